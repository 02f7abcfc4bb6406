package dev.troupe.renderer.onnx;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** cgroup v2 files as a container or a Spark executor on Kubernetes shows them (values as the kernel writes them). */
class AvailableMemoryTest {

    @TempDir
    Path cgroup;

    @Test
    void aContainersLimitLeavesItsLimitLessWhatItUses() throws Exception {
        Files.writeString(cgroup.resolve("memory.max"), "8589934592\n"); // 8 GiB
        Files.writeString(cgroup.resolve("memory.current"), "1073741824\n"); // 1 GiB in use
        assertThat(AvailableMemory.cgroupHeadroom(cgroup)).isEqualTo(7L << 30);
    }

    @Test
    void noLimitOrNoCgroupSaysNothing() throws Exception {
        assertThat(AvailableMemory.cgroupHeadroom(cgroup)).isEqualTo(-1);
        Files.writeString(cgroup.resolve("memory.max"), "max\n");
        Files.writeString(cgroup.resolve("memory.current"), "1073741824\n");
        assertThat(AvailableMemory.cgroupHeadroom(cgroup)).isEqualTo(-1);
    }

    @Test
    void theMachinesAvailableMemoryIsPositive() {
        assertThat(AvailableMemory.bytes()).isPositive();
    }
}
