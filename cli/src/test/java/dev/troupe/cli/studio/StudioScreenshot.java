package dev.troupe.cli.studio;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.troupe.planner.PlanBuilder;
import dev.troupe.renderer.onnx.ExecutionProvider;
import dev.troupe.renderer.onnx.SessionFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Takes the README's studio screenshot: the studio serving the repository's embedded model, a request planned
 * and rendered in Debian's Chromium. Not a test; run it by hand after the model changes:
 * <pre>  java -cp "cli/target/test-classes:cli/target/classes:$(cat cp.txt)" -Dtroupe.home=. \
 *       dev.troupe.cli.studio.StudioScreenshot docs/studio.png</pre>
 */
public final class StudioScreenshot {
    private StudioScreenshot() {
    }

    public static void main(String[] args) throws Exception {
        Path target = Path.of(args.length > 0 ? args[0] : "docs/studio.png").toAbsolutePath();
        Path root = Path.of(System.getProperty("troupe.home", ".")).toAbsolutePath();
        Path work = Files.createTempDirectory("studio-shot");
        Map<String, String> env = Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1", "PLAYWRIGHT_NODEJS_PATH", "/usr/bin/node",
                "XDG_CACHE_HOME", Files.createDirectories(work.resolve("cache")).toString());
        StudioServer server = StudioServer.start(new StudioServer.Config(work.resolve("out"), List.of(root.resolve("models")),
                List.of(root.resolve("models/loras")), PlanBuilder.standard(), "rules",
                new SessionFactory(ExecutionProvider.CPU, 0), 2, 64 << 10, 1L << 30), "127.0.0.1", 0);
        try (Playwright playwright = Playwright.create(new Playwright.CreateOptions().setEnv(env));
             BrowserContext browser = playwright.chromium().launchPersistentContext(
                     Files.createDirectories(work.resolve("browser")),
                     new BrowserType.LaunchPersistentContextOptions().setExecutablePath(Path.of("/usr/bin/chromium"))
                             .setHeadless(true).setChromiumSandbox(false).setEnv(env).setViewportSize(1200, 640)
                             .setArgs(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                                     "--no-first-run", "--disable-background-networking",
                                     "--disable-component-update", "--disable-sync",
                                     "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")))) {
            Page page = browser.pages().isEmpty() ? browser.newPage() : browser.pages().get(0);
            page.setDefaultTimeout(120_000);
            page.navigate("http://127.0.0.1:" + server.port() + "/");
            page.waitForSelector("body[data-ready=true]");
            page.fill("#request", "a multiracial female basketball team of 5 on an indoor court");
            page.fill("#seed", "7");
            page.click("#plan-btn");
            page.waitForCondition(() -> page.locator("#boxes .box").count() == 5);
            page.click("#render-btn");
            page.waitForSelector("#progress[data-state=done]");
            page.waitForSelector("#stage[data-loaded]");
            page.screenshot(new Page.ScreenshotOptions().setPath(target));
        } finally {
            server.close();
        }
        System.out.println("wrote " + target);
    }
}
