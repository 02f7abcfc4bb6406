package dev.troupe.cli.bench;

import dev.troupe.batch.command.ExitCodes;
import dev.troupe.cli.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The generator and {@code troupe bench --suite} end to end, on the SD 1.5 graph a hundred times narrower: the three
 * precisions load as ONNX Runtime reads them (fp16 inputs and outputs, int8 MatMulInteger and ConvInteger), draw,
 * and the suite prints its table and the regional ratio.
 */
class BenchSuiteTest {

    @TempDir
    Path dir;

    private static String[] troupe(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Cli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }

    @Test
    void theSuiteRunsOnGeneratedFp32Fp16AndInt8Models() throws Exception {
        GeneratedModel.writeAll(dir, GeneratedModel.Size.TINY, new PrintWriter(new StringWriter()));
        String[] r = troupe("bench", "--suite", dir.toString(), "--steps", "2", "--runs", "1", "--scene-steps", "2",
                "--threads", "1");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        // a step is timed between the loop's steps: never negative, whatever the timer's noise
        assertThat(r[1]).containsPattern("\\| fp32 \\| [0-9.]+ \\| -?[0-9]+ \\| [0-9]+ \\| [0-9.]+ s \\| [0-9.]+ s .*"
                        + "none \\(float32 I/O\\) \\|")
                .containsPattern("\\| fp16 \\| .* ms \\(-?[0-9.]+ % of the step\\) \\|")
                .containsPattern("\\| int8 \\| [0-9.]+ \\| ")
                .contains("regional, planned layout: 768x256, 5 subjects (boxes 96x192)")
                .containsPattern("regional / single prompt: [0-9.]+x with the background trimmed");
    }

    @Test
    void aSuiteFolderWithoutModelsIsOneMessage() {
        String[] r = troupe("bench", "--suite", dir.toString(), "--steps", "2");
        assertThat(r[0]).isEqualTo(Integer.toString(ExitCodes.BAD_INPUT));
        assertThat(r[2]).contains("holds none of fp32/, fp16/, int8/").contains("troupe bench --generate");
    }
}
