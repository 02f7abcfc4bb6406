package dev.troupe.renderer.onnx;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory the machine can still give this process: what sizes batches by default. */
public final class AvailableMemory {
    private AvailableMemory() {
    }

    /**
     * Linux's {@code MemAvailable} (free memory plus what the page cache can give back), lowered to what the
     * process's cgroup (a container, a Spark executor on Kubernetes) still allows; elsewhere the JVM's view of free
     * physical memory.
     */
    public static long bytes() {
        long available = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    available = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    break;
                }
            }
        } catch (IOException | NumberFormatException | SecurityException e) {
            // not Linux, or not readable: ask the JVM
        }
        if (available < 0) {
            available = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                    ? os.getFreeMemorySize() : Runtime.getRuntime().maxMemory();
        }
        long cgroup = cgroupHeadroom(Path.of("/sys/fs/cgroup"));
        return cgroup >= 0 ? Math.min(available, cgroup) : available;
    }

    /**
     * cgroup v2's {@code memory.max} less {@code memory.current} under {@code root}, or -1 when there is no limit
     * ("max") or no such files.
     */
    static long cgroupHeadroom(Path root) {
        try {
            String max = Files.readString(root.resolve("memory.max")).strip();
            if (max.equals("max")) {
                return -1;
            }
            long current = Long.parseLong(Files.readString(root.resolve("memory.current")).strip());
            return Math.max(0, Long.parseLong(max) - current);
        } catch (IOException | NumberFormatException | SecurityException e) {
            return -1;
        }
    }
}
