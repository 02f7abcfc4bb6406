package dev.troupe.cli.studio;

import dev.troupe.batch.output.SceneOutputs;
import dev.troupe.composer.RegionalRenderer;
import dev.troupe.scene.ScenePlan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BiConsumer;

/**
 * One render asked for through the studio: its plan, settings and output name, and where it stands. Listeners (the
 * server-sent event streams) hear every change; a late listener first hears the current state.
 */
final class RenderJob implements RegionalRenderer.Progress {

    enum State { QUEUED, RUNNING, DONE, FAILED, CANCELLED }

    /** How to draw, as asked; null: the model's recommendation. */
    record Choices(Integer steps, Double cfg, String sampler, String mode, boolean verify) {
    }

    private final String id;
    private final String name;
    private final ScenePlan plan;
    private com.fasterxml.jackson.databind.JsonNode written;
    private final ScenePlan drawn;
    private final Choices choices;
    private final SceneOutputs.Targets outputs;
    private final List<BiConsumer<String, Map<String, Object>>> listeners = new ArrayList<>();

    private State state = State.QUEUED;
    private boolean cancelRequested;
    private String phase = "queued";
    private int pass;
    private int step;
    private int steps;
    private int passes = 1;
    private long startNanos;
    private long endNanos;
    private String error;

    /**
     * @param plan  the plan as the user wrote it (LoRAs by name): written beside the image
     * @param drawn the same plan with LoRA names resolved to files: what the renderer draws
     */
    RenderJob(String id, String name, ScenePlan plan, ScenePlan drawn, Choices choices, SceneOutputs.Targets outputs) {
        this.id = id;
        this.name = name;
        this.plan = plan;
        this.drawn = drawn;
        this.choices = choices;
        this.outputs = outputs;
    }

    String id() {
        return id;
    }

    ScenePlan plan() {
        return plan;
    }

    ScenePlan drawn() {
        return drawn;
    }

    Choices choices() {
        return choices;
    }

    SceneOutputs.Targets outputs() {
        return outputs;
    }

    /** Moves a queued job to running (its model may still be loading); false when it was cancelled while it waited. */
    synchronized boolean begin() {
        if (cancelRequested) {
            finish(State.CANCELLED, null);
            return false;
        }
        state = State.RUNNING;
        phase = "loading model";
        startNanos = System.nanoTime();
        publish("progress");
        return true;
    }

    /** The shape of the work once the settings are known: steps per pass, and passes (1, or 1 + subjects). */
    synchronized void plan(int stepsPerPass, int passCount) {
        steps = stepsPerPass;
        passes = passCount;
        phase = "starting";
        publish("progress");
    }

    /** Called by the renderer after each step; stops the render when the user cancelled it. */
    @Override
    public synchronized void update(String newPhase, int newStep, int newSteps) {
        if (cancelRequested) {
            throw new CancellationException("render " + id + " cancelled");
        }
        if (!newPhase.equals(phase) && step > 0 && !phase.equals("starting")) {
            pass++;
        }
        phase = newPhase;
        step = newStep;
        steps = newSteps;
        publish("progress");
    }

    synchronized void succeed() {
        finish(State.DONE, null);
    }

    synchronized void fail(String message) {
        finish(cancelRequested ? State.CANCELLED : State.FAILED, cancelRequested ? null : message);
    }

    /** Asks the job to stop; a queued job is dropped when its turn comes, a running one at its next step. */
    synchronized void cancel() {
        if (!isFinished()) {
            cancelRequested = true;
            if (state == State.QUEUED) {
                finish(State.CANCELLED, null);
            }
        }
    }

    synchronized boolean isFinished() {
        return state == State.DONE || state == State.FAILED || state == State.CANCELLED;
    }

    private void finish(State end, String message) {
        if (isFinished()) {
            return;
        }
        state = end;
        error = message;
        endNanos = System.nanoTime();
        publish(end.name().toLowerCase(Locale.ROOT));
        listeners.clear();
    }

    /**
     * Adds a listener and tells it the current progress at once; a finished job then tells its end and keeps no
     * listener, so a stream opened after the end reads the same as one that watched it (progress..., then the end).
     */
    synchronized void listen(BiConsumer<String, Map<String, Object>> listener) {
        listener.accept("progress", snapshot());
        if (isFinished()) {
            listener.accept(state.name().toLowerCase(Locale.ROOT), snapshot());
        } else {
            listeners.add(listener);
        }
    }

    synchronized void unlisten(BiConsumer<String, Map<String, Object>> listener) {
        listeners.remove(listener);
    }

    private void publish(String event) {
        Map<String, Object> snapshot = snapshot();
        for (BiConsumer<String, Map<String, Object>> listener : List.copyOf(listeners)) {
            try {
                listener.accept(event, snapshot);
            } catch (RuntimeException e) {
                listeners.remove(listener); // a closed stream: the page went away
            }
        }
    }

    /** The plan as written beside the image (with --verify: the seeds kept and what was read), once done. */
    synchronized void written(com.fasterxml.jackson.databind.JsonNode plan) {
        this.written = plan;
    }

    /** The job as the API shows it. */
    synchronized Map<String, Object> snapshot() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("id", id);
        s.put("name", name);
        s.put("model", plan.model());
        s.put("state", state.name().toLowerCase(Locale.ROOT));
        s.put("phase", phase);
        s.put("region", region());
        s.put("step", step);
        s.put("steps", steps);
        int total = steps * passes;
        int done = Math.min(total, pass * steps + step);
        s.put("done", state == State.DONE ? total : done);
        s.put("total", total);
        double elapsed = startNanos == 0 ? 0 : ((endNanos != 0 ? endNanos : System.nanoTime()) - startNanos) / 1e9;
        s.put("elapsedSeconds", Math.round(elapsed * 10) / 10.0);
        s.put("etaSeconds", state == State.RUNNING && done > 0 ? Math.round(elapsed / done * (total - done) * 10) / 10.0 : null);
        s.put("error", error);
        if (state == State.DONE) {
            s.put("image", outputs.image().getFileName().toString());
            s.put("planFile", outputs.plan().getFileName().toString());
            s.put("boxes", outputs.boxes().getFileName().toString());
            if (written != null) {
                s.put("plan", written);
            }
        }
        return s;
    }

    /** Which subjects the current pass draws: all of them at once (joint), the background, or one subject. */
    private String region() {
        if (phase.equals("denoise")) {
            return "all " + plan.regions().size() + " subjects";
        }
        if (phase.startsWith("subject ")) {
            return phase.substring("subject ".length());
        }
        return phase;
    }
}
