package dev.troupe.cli.bench;

import dev.troupe.batch.command.ExitCodes;
import dev.troupe.cli.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    void theSuiteDrawsItsScenesAtEachBootstrapFractionAskedFor() throws Exception {
        GeneratedModel.writeAll(dir, GeneratedModel.Size.TINY, new PrintWriter(new StringWriter()));
        String[] r = troupe("bench", "--suite", dir.toString(), "--steps", "2", "--runs", "1", "--scene-steps", "4",
                "--threads", "1", "--scene-bootstrap", "0.5,0");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("joint mode, bootstrap 0.5, 0, background weight 0.05")
                .containsPattern("run 1: single prompt [0-9.]+ s, 5 subjects bootstrap 0.5: [0-9.]+ s, bootstrap 0: "
                        + "[0-9.]+ s \\(background over every tile")
                .containsPattern("regional / single prompt, bootstrap 0.5: [0-9.]+x with the background trimmed "
                        + "\\(median of the runs' ratios [0-9.]+x; UNet latent pixels ([0-9.]+)x\\), [0-9.]+x over every tile")
                .containsPattern("regional / single prompt, bootstrap 0: [0-9.]+x with the background trimmed");
        // the planned layout's bootstrap steps keep whole background tiles (the strips around the boxes), so 2 of 4
        // steps bootstrapped cost more UNet pixels than none
        Matcher m = Pattern.compile(
                "planned layout.*?bootstrap 0.5: [0-9.]+x .*?UNet latent pixels ([0-9.]+)x.*?bootstrap 0: [0-9.]+x .*?"
                        + "UNet latent pixels ([0-9.]+)x", Pattern.DOTALL).matcher(r[1]);
        assertThat(m.find()).as(r[1]).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isGreaterThan(Double.parseDouble(m.group(2)));
    }

    @Test
    void aSceneBootstrapOutsideZeroToOneIsOneMessage() {
        String[] r = troupe("bench", "--suite", dir.toString(), "--scene-bootstrap", "0.3,1.5");
        assertThat(r[0]).isEqualTo(Integer.toString(ExitCodes.BAD_INPUT));
        assertThat(r[2]).contains("--scene-bootstrap takes fractions between 0 and 1");
    }

    @Test
    void aSuiteFolderWithoutModelsIsOneMessage() {
        String[] r = troupe("bench", "--suite", dir.toString(), "--steps", "2");
        assertThat(r[0]).isEqualTo(Integer.toString(ExitCodes.BAD_INPUT));
        assertThat(r[2]).contains("holds none of fp32/, fp16/, int8/").contains("troupe bench --generate");
    }
}
