package dev.troupe.cli.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.cli.SceneRendering;
import dev.troupe.composer.Images;
import dev.troupe.composer.RegionalRenderer;
import dev.troupe.composer.overlay.BoxesOverlay;
import dev.troupe.composer.png.PngWriter;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.scene.AtomicFiles;
import dev.troupe.scene.LoraRef;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Draws a shard's jobs with a pool of workers and writes each job's outputs under {@code OUTDIR/scenes/}:
 * {@code NAME.png}, {@code NAME.plan.json}, {@code NAME.boxes.png} and, last, the sidecar {@code NAME.json} (seeds,
 * model hash, settings, the SHA-256 of each output, timings). Every file is written atomically, and the sidecar
 * only after the other three, so a job is complete exactly when its sidecar is there and its hashes match.
 * {@code --resume} skips such jobs (when the plan, settings and model are still the same) and redoes the rest.
 * A job that fails is recorded and the others go on. Models are loaded once each and shared by the workers.
 */
public final class BatchRunner {

    public enum Status { RENDERED, SKIPPED, FAILED }

    /** What became of one job; {@code sidecar} is null for a failed job. */
    public record Outcome(BatchPlanner.Planned job, Status status, String stage, String error, ObjectNode sidecar) {
        public boolean ok() {
            return status != Status.FAILED;
        }
    }

    /** Told when a job ends. */
    public interface Listener {
        void finished(Outcome outcome, long nanos);
    }

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path outDir;
    private final int workers;
    private final boolean resume;
    private final String version;
    private final SessionFactory sessions;
    private final Function<ScenePlan, Path> modelFolder;
    private final Function<StableDiffusionModel, RegionalRenderer.Settings> settingsFor;

    public BatchRunner(Path outDir, int workers, boolean resume, String version, SessionFactory sessions,
                       Function<ScenePlan, Path> modelFolder,
                       Function<StableDiffusionModel, RegionalRenderer.Settings> settingsFor) {
        this.outDir = outDir;
        this.workers = workers;
        this.resume = resume;
        this.version = version;
        this.sessions = sessions;
        this.modelFolder = modelFolder;
        this.settingsFor = settingsFor;
    }

    public static Path scenes(Path outDir) {
        return outDir.resolve("scenes");
    }

    /** The four files of a job. */
    record Files4(Path image, Path plan, Path boxes, Path sidecar) {
        static Files4 of(Path outDir, String name) {
            Path dir = scenes(outDir);
            return new Files4(dir.resolve(name + ".png"), dir.resolve(name + ".plan.json"),
                    dir.resolve(name + ".boxes.png"), dir.resolve(name + ".json"));
        }
    }

    /** A loaded model and the settings it draws with, or why it could not be loaded. */
    private record Loaded(StableDiffusionModel model, RegionalRenderer.Settings settings, String error) {
    }

    public List<Outcome> run(List<BatchPlanner.Planned> jobs, Listener listener) throws InterruptedException {
        removeStaleTemporaries(jobs);
        Map<Path, Loaded> models = new LinkedHashMap<>();
        List<Outcome> outcomes = new ArrayList<>();
        try {
            for (BatchPlanner.Planned job : jobs) {
                if (job.ok()) {
                    Path folder = modelFolder.apply(job.plan()).toAbsolutePath().normalize();
                    if (!models.containsKey(folder)) {
                        models.put(folder, load(folder));
                    }
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, workers), r -> {
                Thread t = new Thread(r, "troupe-batch-worker");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<Outcome>> futures = new ArrayList<>();
                for (BatchPlanner.Planned job : jobs) {
                    futures.add(pool.submit(() -> {
                        long start = System.nanoTime();
                        Outcome outcome = one(job, job.ok()
                                ? models.get(modelFolder.apply(job.plan()).toAbsolutePath().normalize()) : null);
                        listener.finished(outcome, System.nanoTime() - start);
                        return outcome;
                    }));
                }
                for (Future<Outcome> f : futures) {
                    try {
                        outcomes.add(f.get());
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw new IllegalStateException("a batch worker failed outside any job", e.getCause());
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        } finally {
            for (Loaded l : models.values()) {
                if (l.model() != null) {
                    l.model().close();
                }
            }
        }
        return outcomes;
    }

    private Loaded load(Path folder) {
        StableDiffusionModel model;
        try {
            model = StableDiffusionModel.load(folder, sessions);
        } catch (UserInputException e) {
            return new Loaded(null, null, e.getMessage());
        }
        // bad render options are the whole batch's problem: they propagate (exit 2)
        try {
            return new Loaded(model, settingsFor.apply(model), null);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private Outcome one(BatchPlanner.Planned job, Loaded loaded) {
        if (!job.ok()) {
            return new Outcome(job, Status.FAILED, "plan", job.error(), null);
        }
        if (loaded.error() != null) {
            return new Outcome(job, Status.FAILED, "model", loaded.error(), null);
        }
        Files4 files = Files4.of(outDir, job.name());
        StableDiffusionModel model = loaded.model();
        ScenePlan plan = job.plan();
        String planJson = PlanJson.write(plan);
        String parameters = SceneRendering.parameters(model, plan, loaded.settings());
        String fingerprint = sha256(BatchPlanner.utf8(planJson + "\n" + parameters + "\n" + model.hash()));
        if (resume) {
            ObjectNode existing = completeSidecar(files, fingerprint);
            if (existing != null) {
                return new Outcome(job, Status.SKIPPED, null, null, existing);
            }
        }
        try {
            long start = System.nanoTime();
            RegionalRenderer.Result result = new RegionalRenderer(model).render(plan, loaded.settings(), (p, s, n) -> { });
            long drawn = System.nanoTime();
            byte[] image = PngWriter.encode(Images.toBuffered(result.image()), planJson, parameters);
            byte[] boxes = PngWriter.encode(BoxesOverlay.draw(Images.toBuffered(result.image()), plan), planJson, parameters);
            byte[] planBytes = BatchPlanner.utf8(planJson);
            AtomicFiles.write(files.image(), image);
            AtomicFiles.write(files.plan(), planBytes);
            AtomicFiles.write(files.boxes(), boxes);
            ObjectNode sidecar = sidecar(job, model, loaded.settings(), fingerprint, files,
                    Map.of("image", sha256(image), "plan", sha256(planBytes), "boxes", sha256(boxes)));
            ObjectNode timings = sidecar.putObject("timings");
            timings.put("renderMs", (drawn - start) / 1_000_000);
            timings.put("writeMs", (System.nanoTime() - drawn) / 1_000_000);
            AtomicFiles.writeString(files.sidecar(), JSON.writeValueAsString(sidecar) + "\n");
            return new Outcome(job, Status.RENDERED, null, null, sidecar);
        } catch (RuntimeException | IOException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName()
                    : e instanceof UserInputException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
            return new Outcome(job, Status.FAILED, "render", message, null);
        }
    }

    /** Seeds, model, settings and output hashes: everything that makes the image, and nothing secret. */
    private ObjectNode sidecar(BatchPlanner.Planned job, StableDiffusionModel model, RegionalRenderer.Settings s,
                               String fingerprint, Files4 files, Map<String, String> hashes) {
        ScenePlan plan = job.plan();
        ObjectNode root = JSON.createObjectNode();
        root.put("name", job.name());
        root.put("manifestLine", job.entry().line());
        if (job.spec().request() != null) {
            root.put("request", job.spec().request());
        } else {
            root.put("fromPlan", true);
        }
        root.put("seed", plan.seed());
        ArrayNode seeds = root.putArray("regionSeeds");
        plan.regions().forEach(r -> seeds.add(r.seed()));
        root.put("subjects", plan.regions().size());
        root.put("size", plan.width() + "x" + plan.height());
        ObjectNode m = root.putObject("model");
        m.put("name", model.directory().name());
        m.put("reference", plan.model());
        m.put("sha256", model.hash());
        ArrayNode loras = root.putArray("loras");
        plan.regions().stream().flatMap(r -> r.loras().stream()).map(LoraRef::file).distinct().sorted().forEach(loras::add);
        ObjectNode settings = root.putObject("settings");
        settings.put("steps", s.steps());
        settings.put("guidance", s.guidance());
        settings.put("sampler", s.sampler().cliName());
        settings.put("mode", s.mode().name().toLowerCase(Locale.ROOT));
        settings.put("margin", s.margin());
        settings.put("backgroundWeight", s.backgroundWeight());
        settings.put("bootstrap", s.bootstrapFraction());
        settings.put("blend", s.blend().name().toLowerCase(Locale.ROOT));
        root.put("troupe", version);
        root.put("fingerprint", fingerprint);
        ObjectNode outputs = root.putObject("files");
        for (Map.Entry<String, Path> f : Map.of("image", files.image(), "plan", files.plan(), "boxes", files.boxes())
                .entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
            ObjectNode one = outputs.putObject(f.getKey());
            one.put("file", f.getValue().getFileName().toString());
            one.put("sha256", hashes.get(f.getKey()));
        }
        return root;
    }

    /** The job's sidecar when it and every output it names are intact and it was made the same way; else null. */
    static ObjectNode completeSidecar(Files4 files, String fingerprint) {
        if (!Files.isRegularFile(files.sidecar())) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(files.sidecar().toFile());
            if (!(node instanceof ObjectNode sidecar) || !fingerprint.equals(sidecar.path("fingerprint").asText())) {
                return null;
            }
            for (Map.Entry<String, Path> f : Map.of("image", files.image(), "plan", files.plan(), "boxes", files.boxes()).entrySet()) {
                String recorded = sidecar.path("files").path(f.getKey()).path("sha256").asText("");
                if (!Files.isRegularFile(f.getValue()) || !recorded.equals(sha256(Files.readAllBytes(f.getValue())))) {
                    return null;
                }
            }
            return sidecar;
        } catch (IOException e) {
            return null; // unreadable or half a file from an older troupe: redo the job
        }
    }

    /** Temporary files (see {@link AtomicFiles}) left by a killed run, for this shard's jobs only. */
    private void removeStaleTemporaries(List<BatchPlanner.Planned> jobs) {
        Path dir = scenes(outDir);
        if (!Files.isDirectory(dir)) {
            return;
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        jobs.forEach(j -> names.add(j.name()));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String file = p.getFileName().toString();
                int dot = file.indexOf('.', 1);
                if (file.startsWith(".") && file.endsWith(".tmp") && dot > 1 && names.contains(file.substring(1, dot))) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw new UserInputException("cannot tidy " + dir + " (" + e.getMessage() + ")");
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
