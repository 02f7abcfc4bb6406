package dev.troupe.batch.command;

import dev.troupe.scene.UserInputException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --memory-limit} sizes: decimal units as written on disks and in free -h --si, binary with "iB". */
class MemoryLimitTest {

    @ParameterizedTest
    @CsvSource({"8GB, 8000000000", "8G, 8000000000", "1.5GB, 1500000000", "512MB, 512000000", "16GiB, 17179869184",
            "512mib, 536870912", "2048, 2048", "1 TB, 1000000000000"})
    void sizesAreRead(String text, long bytes) {
        assertThat(RenderOptions.parseSize("--memory-limit", text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lots", "-1GB", "0", "8XB", "GB", "1e99GB"})
    void otherTextIsRefusedWithAnExample(String text) {
        assertThatThrownBy(() -> RenderOptions.parseSize("--memory-limit", text)).isInstanceOf(UserInputException.class)
                .hasMessage("--memory-limit '" + text + "': expected a size such as 8GB, 512MB or 16GiB");
    }
}
