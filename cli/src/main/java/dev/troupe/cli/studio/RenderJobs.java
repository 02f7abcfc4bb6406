package dev.troupe.cli.studio;

import dev.troupe.batch.command.RenderOptions;
import dev.troupe.batch.output.SceneOutputs;
import dev.troupe.composer.RegionalRenderer;
import dev.troupe.composer.memory.MemoryCheck;
import dev.troupe.composer.memory.SceneMemory;
import dev.troupe.renderer.LoraSessions;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.lora.LoraSet;
import dev.troupe.renderer.onnx.AvailableMemory;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.eval.Palette;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;
import dev.troupe.verify.PaletteVerifier;
import dev.troupe.verify.VerifiedRenderer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The studio's renders: per model, one worker that draws one render at a time and a bounded list of renders
 * waiting for it. Each model is loaded once, by its worker, on its first render, and kept (with its cache of LoRA
 * sessions) until the server stops.
 */
final class RenderJobs implements AutoCloseable {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();


    /** Finished jobs kept for the API; older ones are forgotten (their files stay in the output folder). */
    private static final int KEPT = 200;

    private final SessionFactory sessions;
    private final int queueCapacity;
    private final long loraBudgetBytes;
    private final Map<Path, Lane> lanes = new LinkedHashMap<>();
    private final Map<String, RenderJob> jobs = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    /** @param queueCapacity renders that may wait per model while one is drawn; one more is refused (HTTP 429) */
    RenderJobs(SessionFactory sessions, int queueCapacity, long loraBudgetBytes) {
        this.sessions = sessions;
        this.queueCapacity = queueCapacity;
        this.loraBudgetBytes = loraBudgetBytes;
    }

    String nextId() {
        return "r" + ids.incrementAndGet();
    }

    /** @throws ApiException 429 when this model's queue is full */
    synchronized RenderJob submit(Path modelFolder, RenderJob job) {
        Lane lane = lanes.computeIfAbsent(modelFolder, Lane::new);
        try {
            lane.executor.execute(() -> lane.draw(job));
        } catch (RejectedExecutionException e) {
            throw ApiException.field(429, "", "the render queue for model " + job.plan().model() + " is full ("
                    + queueCapacity + " waiting besides the one being drawn); wait for one to finish, or cancel one");
        }
        jobs.put(job.id(), job);
        if (jobs.size() > KEPT) {
            jobs.values().stream().filter(RenderJob::isFinished).map(RenderJob::id).sorted().limit(jobs.size() - KEPT)
                    .toList().forEach(jobs::remove);
        }
        return job;
    }

    Optional<RenderJob> job(String id) {
        return Optional.ofNullable(id == null ? null : jobs.get(id));
    }

    /** Jobs that are queued or being drawn. */
    List<RenderJob> active() {
        return jobs.values().stream().filter(j -> !j.isFinished()).toList();
    }

    /** Whether a render has loaded the model in this folder already (its weights are held). */
    public synchronized boolean loaded(Path modelFolder) {
        Lane lane = lanes.get(modelFolder);
        return lane != null && lane.model != null;
    }

    @Override
    public synchronized void close() {
        for (Lane lane : lanes.values()) {
            lane.executor.shutdownNow();
        }
        for (RenderJob job : jobs.values()) {
            job.cancel();
        }
        for (Lane lane : lanes.values()) {
            try {
                lane.executor.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            lane.close();
        }
        lanes.clear();
    }

    /** One model's worker, its waiting list, and the model once loaded. */
    private final class Lane {
        private final Path folder;
        private final ThreadPoolExecutor executor;
        private volatile StableDiffusionModel model;
        private LoraSessions loras;
        /** The model's palette verifier, read once on the first verified render. */
        private PaletteVerifier verifier;

        Lane(Path folder) {
            this.folder = folder;
            this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                    new ArrayBlockingQueue<>(Math.max(1, queueCapacity)), runnable -> {
                Thread t = new Thread(runnable, "studio-render-" + folder.getFileName());
                t.setDaemon(true);
                return t;
            });
        }

        /** Runs on the lane's worker thread only. */
        void draw(RenderJob job) {
            if (!job.begin()) {
                return; // cancelled while it waited
            }
            try {
                if (model == null) {
                    model = StableDiffusionModel.load(folder, sessions, new LoraSet(List.of()));
                    loras = new LoraSessions(model, loraBudgetBytes);
                }
                if (!job.drawn().loras().isEmpty()) {
                    throw new UserInputException("the studio gives LoRAs to subjects only: move the plan's "
                            + "whole-image 'loras' into the subjects' LoRAs, or draw the plan with troupe render");
                }
                RenderJob.Choices c = job.choices();
                RegionalRenderer.Settings settings = RenderOptions.settings(model, c.steps(), c.cfg(), c.sampler(),
                        c.mode() == null ? "joint" : c.mode(), -1, 0.2, 0.3, "laplacian", 0);
                // memory may have gone to other programs since the job was accepted
                MemoryCheck.require(model.directory(), job.drawn(), SceneMemory.Settings.of(settings),
                        AvailableMemory.bytes() + SceneMemory.weights(model.directory()));
                boolean joint = settings.mode() == RegionalRenderer.Mode.JOINT || job.plan().regions().isEmpty();
                job.plan(settings.steps(), joint ? 1 : 1 + job.plan().regions().size());
                RegionalRenderer renderer = new RegionalRenderer(model, loras, Path.of(""));
                ScenePlan written = job.plan().withoutVerification();
                RegionalRenderer.Result result;
                if (c.verify()) {
                    if (verifier == null) {
                        try {
                            verifier = new PaletteVerifier(Palette.load(folder));
                        } catch (IllegalArgumentException e) {
                            throw new UserInputException("verify: " + e.getMessage());
                        }
                    }
                    VerifiedRenderer.Outcome v = new VerifiedRenderer(renderer, verifier,
                            VerifiedRenderer.DEFAULT_REDRAWS).render(job.drawn(), settings, job);
                    result = v.result();
                    // the plan as the user wrote it (LoRAs by name), with the seeds kept and what was read
                    List<Region> regions = new ArrayList<>();
                    for (int i = 0; i < written.regions().size(); i++) {
                        Region verified = v.plan().regions().get(i);
                        regions.add(written.regions().get(i).withSeed(verified.seed())
                                .withVerification(verified.verification()));
                    }
                    written = written.withRegions(regions);
                } else {
                    result = renderer.render(job.drawn(), settings, job);
                }
                SceneOutputs.write(model, written, settings, result.image(), job.outputs());
                job.written(JSON.readTree(PlanJson.write(written)));
                job.succeed();
            } catch (CancellationException e) {
                job.fail("cancelled");
            } catch (UserInputException e) {
                job.fail(e.getMessage());
            } catch (Exception | Error e) {
                job.fail("internal error: " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            }
        }

        void close() {
            if (loras != null) {
                loras.close();
            }
            if (model != null) {
                model.close();
            }
        }
    }
}
