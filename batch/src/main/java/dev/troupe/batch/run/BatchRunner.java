package dev.troupe.batch.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.batch.command.ExitCodes;
import dev.troupe.batch.command.VerifyOptions;
import dev.troupe.batch.output.SceneOutputs;
import dev.troupe.batch.plan.BatchPlanner;
import dev.troupe.batch.store.BatchStore;
import dev.troupe.composer.RegionalRenderer;
import dev.troupe.composer.memory.MemoryCheck;
import dev.troupe.composer.memory.SceneMemory;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.lora.LoraSet;
import dev.troupe.renderer.onnx.AvailableMemory;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.scene.LoraRef;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;
import dev.troupe.verify.SubjectVerifier;
import dev.troupe.verify.VerifiedRenderer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;

/**
 * Draws a shard's jobs with a pool of workers and writes each job's outputs under {@code OUTDIR/scenes/}:
 * {@code NAME.png}, {@code NAME.plan.json}, {@code NAME.boxes.png} and, last, the sidecar {@code NAME.json} (seeds,
 * model hash, settings, the SHA-256 of each output, timings). The four are written as one set (all to temporaries,
 * then renamed, the sidecar last), so a job is complete exactly when its sidecar is there and its hashes match, and
 * a failed write leaves the job's previous files as they were.
 * {@code --resume} skips such jobs (when the plan, settings and model are still the same) and redoes the rest.
 * A job that fails is recorded and the others go on. Models are loaded once each and shared by the workers.
 *
 * <p>{@link #draw(Scene)} is the one job's step on its own: the spark module keeps one runner per executor JVM and
 * calls it for every job the executor is given, so that a cluster draws and writes exactly as {@code troupe batch}.
 */
public final class BatchRunner implements AutoCloseable {

    public enum Status { RENDERED, SKIPPED, FAILED }

    /**
     * What became of one job; {@code sidecar} is null for a failed job, and {@code internal} says that it failed
     * for a bug or the machine (exit 1) rather than for its input: a request, plan, model, LoRA or setting (exit 2).
     */
    public record Outcome(BatchPlanner.Planned job, Status status, String stage, String error, boolean internal,
                          ObjectNode sidecar) {
        public boolean ok() {
            return status != Status.FAILED;
        }

        /** A job that could not be planned: always its input's fault. */
        public static Outcome unplanned(BatchPlanner.Planned job) {
            return new Outcome(job, Status.FAILED, "plan", job.error(), false, null);
        }
    }

    /** A planned job, as much of it as drawing needs; {@code request} is null for a job given as a plan. */
    public record Scene(String name, int manifestLine, String request, ScenePlan plan) {
        public static Scene of(BatchPlanner.Planned job) {
            return new Scene(job.name(), job.entry().line(), job.spec().request(), job.plan());
        }
    }

    /** What became of a scene: the outcome without the job. */
    public record Drawn(Status status, String stage, String error, boolean internal, ObjectNode sidecar) {
        public Outcome of(BatchPlanner.Planned job) {
            return new Outcome(job, status, stage, error, internal, sidecar);
        }
    }

    /**
     * The batch's exit status, as {@code troupe render} would give for its jobs: 0 when every job was drawn (or
     * complete already); 1 when any job failed for an internal reason; else 2, when jobs had bad input.
     */
    public static int exitCode(List<Outcome> outcomes) {
        if (outcomes.stream().allMatch(Outcome::ok)) {
            return ExitCodes.OK;
        }
        return outcomes.stream().anyMatch(o -> !o.ok() && o.internal()) ? ExitCodes.INTERNAL_ERROR : ExitCodes.BAD_INPUT;
    }

    /** Told when a job ends. */
    public interface Listener {
        void finished(Outcome outcome, long nanos);
    }

    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The folder of the jobs' files, relative to OUTDIR. */
    public static final String SCENES = "scenes";

    private final BatchStore store;
    private final int workers;
    private final boolean resume;
    private final String version;
    private final SessionFactory sessions;
    private final Function<ScenePlan, Path> modelFolder;
    private final Function<StableDiffusionModel, RegionalRenderer.Settings> settingsFor;
    private final LongUnaryOperator memoryAvailable;
    private final VerifyOptions verify;
    /** Loaded models by folder and whole-image LoRA set (canonical): plans with different LoRAs need their own. */
    private final Map<ModelKey, Loaded> models = new LinkedHashMap<>();

    public BatchRunner(BatchStore store, int workers, boolean resume, String version, SessionFactory sessions,
                       Function<ScenePlan, Path> modelFolder,
                       Function<StableDiffusionModel, RegionalRenderer.Settings> settingsFor) {
        this(store, workers, resume, version, sessions, modelFolder, settingsFor,
                resident -> AvailableMemory.bytes() + resident, null);
    }

    /**
     * @param memoryAvailable given the bytes a loaded model already holds, the memory a job may take (each job is
     *                        checked against it before it is drawn: one that would not fit fails alone)
     * @param verify          {@code --verify} and its options: each job's subjects are read back and the wrong ones
     *                        redrawn (null or off: drawn once)
     */
    public BatchRunner(BatchStore store, int workers, boolean resume, String version, SessionFactory sessions,
                       Function<ScenePlan, Path> modelFolder,
                       Function<StableDiffusionModel, RegionalRenderer.Settings> settingsFor,
                       LongUnaryOperator memoryAvailable, VerifyOptions verify) {
        this.memoryAvailable = memoryAvailable;
        this.verify = verify != null && verify.enabled() ? verify : null;
        this.store = store;
        this.workers = workers;
        this.resume = resume;
        this.version = version;
        this.sessions = sessions;
        this.modelFolder = modelFolder;
        this.settingsFor = settingsFor;
    }

    /** The four files of a job, relative to OUTDIR. */
    record Files4(String image, String plan, String boxes, String sidecar) {
        static Files4 of(String name) {
            String dir = SCENES + "/";
            return new Files4(dir + name + ".png", dir + name + ".plan.json", dir + name + ".boxes.png", dir + name + ".json");
        }

        Map<String, String> outputs() {
            return Map.of("image", image, "plan", plan, "boxes", boxes);
        }
    }

    /** A loaded model and the settings it draws with, or why it could not be loaded. */
    private record ModelKey(Path folder, LoraSet loras) {
    }

    private record Loaded(StableDiffusionModel model, RegionalRenderer.Settings settings, SubjectVerifier verifier,
                          String error) {
    }

    /** Draws every job (removing a killed run's temporaries for them first) and closes the models. */
    public List<Outcome> run(List<BatchPlanner.Planned> jobs, Listener listener) throws InterruptedException {
        removeStaleTemporaries(store, jobs.stream().map(BatchPlanner.Planned::name).toList());
        List<Outcome> outcomes = new ArrayList<>();
        try {
            // every model loaded before any drawing, so that bad render options stop the batch at once (exit 2)
            for (BatchPlanner.Planned job : jobs) {
                if (job.ok()) {
                    loaded(job.plan());
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
                        Outcome outcome = job.ok() ? draw(Scene.of(job)).of(job)
                                : Outcome.unplanned(job);
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
            close();
        }
        return outcomes;
    }

    /** Closes the models loaded so far. */
    @Override
    public synchronized void close() {
        for (Loaded l : models.values()) {
            if (l.verifier() != null) {
                l.verifier().close();
            }
            if (l.model() != null) {
                l.model().close();
            }
        }
        models.clear();
    }

    /** How many model folders this runner has loaded (or failed to load). */
    public synchronized int modelsLoaded() {
        return models.size();
    }

    /** The plan's model with its whole-image LoRAs, loaded on first use and kept; bad render options propagate. */
    private synchronized Loaded loaded(ScenePlan plan) {
        ModelKey key = new ModelKey(modelFolder.apply(plan).toAbsolutePath().normalize(),
                LoraSet.fromRefs(plan.loras(), Path.of("")).canonical());
        Loaded loaded = models.get(key);
        if (loaded == null) {
            loaded = load(key);
            models.put(key, loaded);
        }
        return loaded;
    }

    private Loaded load(ModelKey key) {
        StableDiffusionModel model;
        try {
            model = StableDiffusionModel.load(key.folder(), sessions, key.loras());
        } catch (UserInputException e) {
            return new Loaded(null, null, null, e.getMessage());
        }
        // bad render options are the whole batch's problem: they propagate (exit 2)
        try {
            RegionalRenderer.Settings settings = settingsFor.apply(model);
            return new Loaded(model, settings, verify == null ? null : verify.verifier(key.folder(), sessions), null);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Draws one planned job and writes its four files (or, with resume, finds them complete and skips it).
     * Safe to call from several threads at once, and to repeat: a retried or duplicated call writes the same
     * bytes under the same names, each file whole.
     */
    public Drawn draw(Scene job) {
        Loaded loaded = loaded(job.plan());
        if (loaded.error() != null) {
            return new Drawn(Status.FAILED, "model", loaded.error(), false, null);
        }
        Files4 files = Files4.of(job.name());
        StableDiffusionModel model = loaded.model();
        // the plan written is the plan drawn: the model folder actually loaded (e.g. --model), the LoRAs merged
        ScenePlan plan = SceneOutputs.asDrawn(job.plan(), model, Path.of(""));
        String planJson = PlanJson.write(plan);
        String parameters = SceneOutputs.parameters(model, plan, loaded.settings());
        // what the job is made from: the plan as asked for (a verified job writes other seeds), settings, model, verifier
        String fingerprint = sha256((planJson + "\n" + parameters + "\n" + model.hash()
                + (loaded.verifier() == null ? "" : "\nverify " + loaded.verifier().name() + " " + verify.redraws()))
                .getBytes(StandardCharsets.UTF_8));
        if (resume) {
            ObjectNode existing = completeSidecar(store, files, fingerprint);
            if (existing != null) {
                return new Drawn(Status.SKIPPED, null, null, false, existing);
            }
        }
        try {
            MemoryCheck.require(model.directory(), plan, SceneMemory.Settings.of(loaded.settings()),
                    memoryAvailable.applyAsLong(SceneMemory.weights(model.directory())));
            long start = System.nanoTime();
            RegionalRenderer renderer = new RegionalRenderer(model);
            RegionalRenderer.Result result;
            VerifiedRenderer.Outcome verified = null;
            if (loaded.verifier() == null) {
                result = renderer.render(plan, loaded.settings(), (p, s, n) -> { });
            } else {
                verified = verify.renderer(renderer, loaded.verifier()).render(plan, loaded.settings(), (p, s, n) -> { });
                result = verified.result();
                plan = verified.plan();
                planJson = PlanJson.write(plan);
                parameters = SceneOutputs.parameters(model, plan, loaded.settings());
            }
            long drawn = System.nanoTime();
            SceneOutputs.Encoded encoded = SceneOutputs.encode(result.image(), plan, planJson, parameters);
            ObjectNode sidecar = sidecar(job, plan, model, loaded.settings(), fingerprint, files, Map.of(
                    "image", sha256(encoded.image()), "plan", sha256(encoded.plan()), "boxes", sha256(encoded.boxes())));
            if (verified != null) {
                verification(sidecar, verified);
            }
            ObjectNode timings = sidecar.putObject("timings");
            timings.put("renderMs", (drawn - start) / 1_000_000);
            timings.put("encodeMs", (System.nanoTime() - drawn) / 1_000_000);
            Map<String, byte[]> set = new LinkedHashMap<>(); // one unit, the sidecar renamed into place last
            set.put(files.image(), encoded.image());
            set.put(files.plan(), encoded.plan());
            set.put(files.boxes(), encoded.boxes());
            set.put(files.sidecar(), (JSON.writeValueAsString(sidecar) + "\n").getBytes(StandardCharsets.UTF_8));
            store.writeAll(set);
            return new Drawn(Status.RENDERED, null, null, false, sidecar);
        } catch (UserInputException e) {
            return new Drawn(Status.FAILED, "render", e.getMessage(), false, null); // a bad LoRA, an overflow...
        } catch (RuntimeException | IOException e) {
            String message = "internal error: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage());
            return new Drawn(Status.FAILED, "render", message, true, null);
        }
    }

    /** Seeds, model, settings and output hashes: everything that makes the image, and nothing secret. */
    private ObjectNode sidecar(Scene job, ScenePlan plan, StableDiffusionModel model, RegionalRenderer.Settings s,
                               String fingerprint, Files4 files, Map<String, String> hashes) {
        ObjectNode root = JSON.createObjectNode();
        root.put("name", job.name());
        root.put("manifestLine", job.manifestLine());
        if (job.request() != null) {
            root.put("request", job.request());
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
        java.util.stream.Stream.concat(plan.loras().stream(), plan.regions().stream().flatMap(r -> r.loras().stream()))
                .map(LoraRef::file).distinct().sorted().forEach(loras::add);
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
        for (Map.Entry<String, String> f : files.outputs().entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
            ObjectNode one = outputs.putObject(f.getKey());
            one.put("file", f.getValue().substring(f.getValue().lastIndexOf('/') + 1));
            one.put("sha256", hashes.get(f.getKey()));
        }
        return root;
    }

    /**
     * The sidecar's {@code verification}: the verifier, the rounds (who was redrawn, how many read as planned), the
     * round kept, the UNet work against the first drawing, and per subject: verified or not, the values read, the
     * tries and the seeds tried (the region's seed in the plan is the one kept).
     */
    private static void verification(ObjectNode sidecar, VerifiedRenderer.Outcome v) {
        ObjectNode node = sidecar.putObject("verification");
        node.put("verifier", v.plan().regions().isEmpty() ? "" : v.plan().regions().get(0).verification().verifier());
        node.put("verified", v.verified());
        node.put("keptRound", v.kept());
        ArrayNode rounds = node.putArray("rounds");
        for (VerifiedRenderer.Round r : v.rounds()) {
            ObjectNode round = rounds.addObject();
            round.put("round", r.number());
            r.redrawn().forEach(round.putArray("redrawn")::add);
            round.put("verified", r.verified());
            round.put("unetWork", r.unetWork());
        }
        node.put("unetWork", v.unetWork());
        node.put("firstUnetWork", v.rounds().get(0).unetWork());
        ArrayNode subjects = node.putArray("subjects");
        for (dev.troupe.scene.Region r : v.plan().regions()) {
            ObjectNode subject = subjects.addObject();
            subject.put("id", r.id());
            subject.put("verified", r.verification().verified());
            ObjectNode read = subject.putObject("read");
            r.verification().read().forEach(read::put);
            subject.put("tries", r.verification().tries());
            r.verification().seeds().forEach(subject.putArray("seeds")::add);
        }
    }

    /** The job's sidecar when it and every output it names are intact and it was made the same way; else null. */
    static ObjectNode completeSidecar(BatchStore store, Files4 files, String fingerprint) {
        try {
            byte[] bytes = store.read(files.sidecar());
            if (bytes == null) {
                return null;
            }
            JsonNode node = JSON.readTree(bytes);
            if (!(node instanceof ObjectNode sidecar) || !fingerprint.equals(sidecar.path("fingerprint").asText())) {
                return null;
            }
            for (Map.Entry<String, String> f : files.outputs().entrySet()) {
                String recorded = sidecar.path("files").path(f.getKey()).path("sha256").asText("");
                byte[] output = store.read(f.getValue());
                if (output == null || !recorded.equals(sha256(output))) {
                    return null;
                }
            }
            return sidecar;
        } catch (IOException e) {
            return null; // unreadable or half a file from an older troupe: redo the job
        }
    }

    /** Temporary files (see {@link BatchStore#write}) left by a killed run, for these jobs only. */
    public static void removeStaleTemporaries(BatchStore store, List<String> jobNames) {
        try {
            store.removeTemporaries(SCENES, new LinkedHashSet<>(jobNames));
        } catch (IOException e) {
            throw new UserInputException("cannot tidy " + store.describe(SCENES) + " (" + e.getMessage() + ")");
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
