package dev.troupe.cli.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Mouse;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.BoundingBox;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.troupe.cli.studio.StudioFixture.JSON;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The studio end to end in Debian's Chromium, headless and offline: type a request, plan, drag a box, render,
 * and check that the image arrived and that its plan holds the moved box. Skipped when /usr/bin/chromium is
 * missing, except under CI=true, where that fails.
 */
class StudioBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("TROUPE_CHROMIUM", "/usr/bin/chromium"));
    private static final Path NODE = Path.of("/usr/bin/node");

    @TempDir
    Path dir;

    @Test
    void planDragRenderInARealBrowser() throws Exception {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(NODE);
        if (ci) {
            assertThat(present).as("CI needs %s and %s (.ci/run installs chromium with apt-get)", CHROMIUM, NODE).isTrue();
        }
        Assumptions.assumeTrue(present, "no " + CHROMIUM + " or " + NODE + ": apt-get install -y chromium nodejs");

        Path home = Files.createDirectories(dir.resolve("browser"));
        Path cache = Files.createDirectories(dir.resolve("cache"));
        // the driver comes from the driver jar and runs on the system's node; nothing is downloaded
        Map<String, String> env = Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1",
                "PLAYWRIGHT_NODEJS_PATH", NODE.toString(), "XDG_CACHE_HOME", cache.toString());
        try (StudioFixture studio = new StudioFixture(dir.resolve("studio"), 2);
             Playwright playwright = Playwright.create(new Playwright.CreateOptions().setEnv(env));
             BrowserContext browser = playwright.chromium().launchPersistentContext(home,
                     new BrowserType.LaunchPersistentContextOptions()
                             .setExecutablePath(CHROMIUM)
                             .setHeadless(true)
                             .setChromiumSandbox(false)
                             .setEnv(env)
                             .setViewportSize(1280, 900)
                             .setArgs(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                                     "--no-first-run", "--disable-background-networking",
                                     "--disable-component-update", "--disable-sync",
                                     "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")))) {
            Page page = browser.pages().isEmpty() ? browser.newPage() : browser.pages().get(0);
            page.setDefaultTimeout(20_000);
            page.navigate(studio.base() + "/");
            page.waitForSelector("body[data-ready=true]");

            page.fill("#request", "3 people in a park");
            page.fill("#seed", "11");
            page.click("#plan-btn");
            Locator boxes = page.locator("#boxes .box");
            page.waitForCondition(() -> boxes.count() == 3);
            JsonNode planned = JSON.readTree(page.inputValue("#plan-json"));
            JsonNode before = planned.get("regions").get(0).get("box");

            // drag subject 1 down and right, by screen pixels; the page keeps the plan in image pixels
            double scale = ((Number) page.evaluate("() => document.getElementById('canvas').width")).doubleValue()
                    / planned.get("width").asDouble();
            int dx = 12;
            int dy = Math.min(10, planned.get("height").asInt() - before.get("y").asInt() - before.get("h").asInt());
            boxes.first().waitFor(); // laid out: a box not yet drawn has no bounding box (null), which raced once
            BoundingBox b = boxes.first().boundingBox();
            double x0 = b.x + b.width / 2;
            double y0 = b.y + b.height / 2;
            page.mouse().move(x0, y0);
            page.mouse().down();
            page.mouse().move(x0 + dx * scale / 2, y0 + dy * scale / 2, new Mouse.MoveOptions().setSteps(3));
            page.mouse().move(x0 + dx * scale, y0 + dy * scale, new Mouse.MoveOptions().setSteps(3));
            page.mouse().up();
            JsonNode moved = JSON.readTree(page.inputValue("#plan-json")).get("regions").get(0).get("box");
            assertThat(moved.get("x").asInt()).isEqualTo(before.get("x").asInt() + dx);
            assertThat(moved.get("y").asInt()).isEqualTo(before.get("y").asInt() + dy);
            assertThat(moved.get("w")).isEqualTo(before.get("w"));
            assertThat(page.inputValue("[data-field='regions[0].box.x']")).isEqualTo(moved.get("x").asText());

            page.fill("#steps", "4");
            page.click("#render-btn");
            page.waitForSelector("#progress[data-state=done]");
            page.waitForSelector("#stage[data-loaded]");
            String image = page.getAttribute("#stage", "data-loaded");
            assertThat(image).endsWith(".png");
            assertThat(page.textContent("#progress-text")).contains("done");
            page.waitForCondition(() -> page.locator("#history img").count() == 1);

            Path out = studio.server.outputFolder();
            assertThat(ImageIO.read(out.resolve(image).toFile()).getWidth()).isEqualTo(planned.get("width").asInt());
            JsonNode written = JSON.readTree(Files.readString(out.resolve(image.replace(".png", ".plan.json"))));
            assertThat(written.get("regions").get(0).get("box")).isEqualTo(moved);
            assertThat(written.get("regions").get(1).get("box")).isEqualTo(planned.get("regions").get(1).get("box"));
            // 64-bit seeds pass through the page digit for digit (JavaScript numbers would round them)
            JsonNode server = studio.post("/api/plan", Map.of("request", "3 people in a park", "seed", 11)).json().get("plan");
            assertThat(written.get("regions").findValues("seed")).isEqualTo(server.get("regions").findValues("seed"));
            assertThat(server.get("regions").get(0).get("seed").asLong()).isGreaterThan(1L << 53);

            // the verify switch: each subject's box gets a mark saying what was read back (the fixture model is
            // given the embedded model's palette; it draws noise, so a mark may say either)
            Files.copy(dev.troupe.cli.EmbeddedModelTestAccess.embedded().resolve("evaluation.json"),
                    dir.resolve("studio/models/fixture/evaluation.json"));
            assertThat(page.locator("#boxes .mark").count()).isZero();
            page.check("#verify-toggle");
            page.click("#render-btn");
            page.waitForCondition(() -> page.locator("#history img").count() == 2);
            page.waitForCondition(() -> page.locator("#boxes .box .mark").count() == 3);
            JsonNode verified = JSON.readTree(page.inputValue("#plan-json"));
            for (int i = 0; i < 3; i++) {
                JsonNode v = verified.get("regions").get(i).get("verification");
                assertThat(v.get("verifier").asText()).isEqualTo("palette");
                assertThat(page.locator("#boxes .box").nth(i).locator(".mark").getAttribute("data-verified"))
                        .isEqualTo(v.get("verified").asText());
                assertThat(page.locator("#boxes .box").nth(i).locator(".mark").getAttribute("title"))
                        .contains("by palette: read ");
            }

            Path shots = Files.createDirectories(Path.of("target", "studio"));
            page.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("studio-e2e.png")).setFullPage(true));
        }
    }
}
