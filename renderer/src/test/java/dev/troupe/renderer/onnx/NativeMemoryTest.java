package dev.troupe.renderer.onnx;

import com.sun.jna.Memory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NativeMemoryTest {
    private static final long BLOCK = 2L << 20;
    private static final int BLOCKS = 96; // 192 MiB

    /**
     * The situation after a render: many malloc'd blocks freed inside glibc's heaps, below one still in use, so
     * that neither the heap's top trim nor munmap gives them back. Only {@link NativeMemory#release} does.
     */
    @Test
    void freedBlocksInsideTheHeapsGoBackToTheSystem() {
        assumeTrue(NativeMemory.supported(), "glibc on Linux only");
        assumeTrue(System.getenv("MALLOC_MMAP_THRESHOLD_") == null, "a fixed mmap threshold returns blocks on free");
        // a freed mmapped block larger than ours raises glibc's threshold above them, as the first UNet run does
        new Memory(4 * BLOCK).close();
        List<Memory> blocks = new ArrayList<>();
        for (int i = 0; i < BLOCKS; i++) {
            Memory block = new Memory(BLOCK);
            block.clear(); // touch every page
            blocks.add(block);
        }
        Memory pin = new Memory(BLOCK);
        pin.clear();
        long full = PeakMemory.currentBytes();
        blocks.forEach(Memory::close);
        long freed = PeakMemory.currentBytes();
        boolean released = NativeMemory.release();
        long after = PeakMemory.currentBytes();
        pin.close();

        long total = BLOCK * BLOCKS;
        assertThat(full - freed).as("glibc keeps freed blocks in its heaps (the premise)").isLessThan(total / 4);
        assertThat(released).isTrue();
        assertThat(freed - after).as("given back by malloc_trim").isGreaterThan(total * 3 / 4);
    }

    /** Workers draw while another render ends and gives memory back: what they hold is never touched. */
    @Test
    void releasingWhileOtherThreadsAllocateLeavesTheirMemoryIntact() throws Exception {
        int workers = 3;
        ExecutorService pool = Executors.newFixedThreadPool(workers + 1);
        AtomicBoolean running = new AtomicBoolean(true);
        // the workers start once the trimmer is running: with 2 cores they once finished before it was scheduled
        CountDownLatch trimming = new CountDownLatch(1);
        try {
            Future<Integer> trims = pool.submit(() -> {
                int n = 0;
                while (running.get()) {
                    NativeMemory.release();
                    n++;
                    trimming.countDown();
                }
                return n;
            });
            List<Future<Integer>> checked = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                byte mark = (byte) (w + 1);
                checked.add(pool.submit(() -> {
                    trimming.await();
                    int rounds = 0;
                    for (; rounds < 200; rounds++) {
                        long size = (1 + rounds % 7) * 256L << 10; // 256 KiB .. 1.75 MiB: heap blocks, freed in between
                        Memory block = new Memory(size);
                        for (long at = 0; at < size; at += 4096) {
                            block.setByte(at, mark);
                        }
                        Thread.yield();
                        for (long at = 0; at < size; at += 4096) {
                            if (block.getByte(at) != mark) {
                                throw new AssertionError("byte " + at + " of a block in use changed");
                            }
                        }
                        block.close();
                    }
                    return rounds;
                }));
            }
            for (Future<Integer> f : checked) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(200);
            }
            running.set(false);
            assertThat(trims.get(10, TimeUnit.SECONDS)).isPositive();
        } finally {
            running.set(false);
            pool.shutdownNow();
        }
    }

    @Test
    void releasingWithNothingFreedIsHarmless() {
        NativeMemory.release();
        Memory m = new Memory(BLOCK);
        m.setByte(BLOCK - 1, (byte) 7);
        NativeMemory.release();
        assertThat(m.getByte(BLOCK - 1)).as("memory in use is untouched").isEqualTo((byte) 7);
        m.close();
    }
}
