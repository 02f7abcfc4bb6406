package dev.troupe.cli;

import dev.troupe.batch.command.ExitCodes;
import dev.troupe.batch.command.ModelOptions;
import dev.troupe.batch.command.PlannerOptions;
import dev.troupe.batch.command.RuntimeOptions;
import dev.troupe.cli.studio.StudioServer;
import dev.troupe.scene.UserInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code troupe studio}: a local web page to plan, edit and draw scenes. */
@Command(name = "studio", mixinStandardHelpOptions = true,
        description = {"Serves Troupe Studio, a local web page: type a request, move and resize the subjects' boxes, "
                + "edit each subject, render with live progress and compare results.",
                "Serves on 127.0.0.1 only, unless --host says otherwise; stops on Ctrl-C.",
                "Example: troupe studio --port 7860"})
public final class StudioCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Option(names = "--port", defaultValue = "7860", description = "port to serve on; 0 = any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "interface to serve on; anything but 127.0.0.1 lets other machines use the studio (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = "studio",
            description = "the folder renders are written to and read from; the page reaches no other (default: ${DEFAULT-VALUE})")
    Path output;

    @Option(names = "--models", paramLabel = "DIR",
            description = "a folder of model folders the page may choose from; repeatable (default: models/ of the installation)")
    List<Path> modelFolders = new ArrayList<>();

    @Option(names = "--loras", paramLabel = "DIR",
            description = "a folder of .safetensors LoRAs the page may choose from; repeatable (default: models/loras of the installation)")
    List<Path> loraFolders = new ArrayList<>();

    @Option(names = "--queue", defaultValue = "4",
            description = "renders that may wait per model while one is drawn; more are refused (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--max-request", paramLabel = "KIB", defaultValue = "1024",
            description = "largest request body accepted (default: ${DEFAULT-VALUE})")
    long maxRequestKib;

    @Option(names = "--lora-memory", paramLabel = "MIB", defaultValue = "4096",
            description = "memory for the sessions of per-region LoRA sets, per model (default: ${DEFAULT-VALUE})")
    long loraMemoryMib;

    @Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @Mixin
    PlannerOptions planner = new PlannerOptions();

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new UserInputException("--port must be between 0 and 65535, not " + port);
        }
        if (queue < 1 || maxRequestKib < 1 || loraMemoryMib < 0) {
            throw new UserInputException("--queue and --max-request must be at least 1 and --lora-memory at least 0");
        }
        Path models = ModelOptions.embedded().getParent();
        List<Path> modelDirs = modelFolders.isEmpty() ? List.of(models) : modelFolders;
        List<Path> loraDirs = loraFolders.isEmpty() ? List.of(models.resolve("loras")) : loraFolders;
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        var builder = planner.planBuilder(main.environment(), err);
        String plannerName = planner.describe(main.environment());
        StudioServer.Config config = new StudioServer.Config(output, modelDirs, loraDirs, builder, plannerName,
                runtime.sessions(), queue, maxRequestKib << 10,
                loraMemoryMib << 20);
        StudioServer server = StudioServer.start(config, host, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "studio-shutdown"));
        out.println("Troupe Studio: " + String.join("  ", server.urls()) + "  (renders in " + server.outputFolder()
                + "; Ctrl-C stops)");
        if (!server.loopbackOnly()) {
            err.println("troupe: the studio is reachable from other machines (--host " + host + "); it has no login");
        }
        out.flush();
        stopped.await();
        return ExitCodes.OK;
    }
}
