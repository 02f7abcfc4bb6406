package dev.troupe.renderer.onnx;

import com.sun.jna.Memory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

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
