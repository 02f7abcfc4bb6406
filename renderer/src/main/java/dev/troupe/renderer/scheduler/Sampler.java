package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.model.SchedulerConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The samplers a user can choose, with their command-line names and the names A1111 writes in PNG parameters. */
public enum Sampler {
    DDIM("ddim", "DDIM"),
    EULER("euler", "Euler"),
    EULER_KARRAS("euler_karras", "Euler Karras"),
    EULER_ANCESTRAL("euler_a", "Euler a"),
    DPMPP_2M("dpmpp_2m", "DPM++ 2M"),
    DPMPP_2M_KARRAS("dpmpp_2m_karras", "DPM++ 2M Karras"),
    LCM("lcm", "LCM");

    /** The diffusers classes a scheduler_config.json may name that have a sampler here. */
    private static final Set<String> IMPLEMENTED = Set.of("DDIMScheduler", "EulerDiscreteScheduler",
            "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler", "LCMScheduler");

    private final String cliName;
    private final String displayName;

    Sampler(String cliName, String displayName) {
        this.cliName = cliName;
        this.displayName = displayName;
    }

    public String cliName() {
        return cliName;
    }

    /** The name A1111 uses in its {@code parameters} text; the Karras variants say so. */
    public String displayName() {
        return displayName;
    }

    /** A fresh scheduler of this kind (schedulers hold per-image state). */
    public Scheduler create(SchedulerConfig config) {
        return switch (this) {
            case DDIM -> new DdimScheduler(config);
            case EULER -> new EulerScheduler(config, false);
            case EULER_KARRAS -> new EulerScheduler(config, true);
            case EULER_ANCESTRAL -> new EulerAncestralScheduler(config);
            case DPMPP_2M -> new DpmSolverMultistepScheduler(config, false);
            case DPMPP_2M_KARRAS -> new DpmSolverMultistepScheduler(config, true);
            case LCM -> new LcmScheduler(config);
        };
    }

    /** The most steps this sampler takes on this training schedule ({@link Scheduler#maxSteps()}). */
    public int maxSteps(SchedulerConfig config) {
        return create(config).maxSteps();
    }

    public static Sampler parse(String name) {
        String wanted = name.toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
        for (Sampler s : values()) {
            if (s.cliName.equals(wanted) || s.displayName.toLowerCase(Locale.ROOT).replace(' ', '_').equals(wanted)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown sampler \"" + name + "\"; choose one of " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(Sampler::cliName).collect(Collectors.joining(", "));
    }

    /**
     * The sampler a model's scheduler_config.json names (its {@code use_karras_sigmas} choosing the Karras variant);
     * DDIM for a class that has no sampler here, such as PNDMScheduler (see {@link #choose} for the notice).
     */
    public static Sampler forConfig(SchedulerConfig config) {
        return switch (config.className()) {
            case "EulerDiscreteScheduler" -> config.useKarrasSigmas() ? EULER_KARRAS : EULER;
            case "EulerAncestralDiscreteScheduler" -> EULER_ANCESTRAL;
            case "DPMSolverMultistepScheduler" -> config.useKarrasSigmas() ? DPMPP_2M_KARRAS : DPMPP_2M;
            case "LCMScheduler" -> LCM;
            default -> DDIM;
        };
    }

    /** A sampler and, one sentence each, where it departs from what the model's scheduler config asks. */
    public record Choice(Sampler sampler, List<String> notes) {
        public Choice {
            notes = List.copyOf(notes);
        }
    }

    /**
     * The sampler to run: {@code requested} (a name for {@link #parse}) or, when null, the config's
     * ({@link #forConfig}). The notes say what runs instead of a scheduler class Troupe does not implement, and which
     * of the config's settings the sampler cannot follow (they are ignored).
     */
    public static Choice choose(String requested, SchedulerConfig config) {
        Sampler sampler = requested == null ? forConfig(config) : parse(requested);
        List<String> notes = new ArrayList<>();
        if (requested == null && !IMPLEMENTED.contains(config.className())) {
            notes.add(config.className() + " is not implemented; sampling with " + sampler.displayName
                    + " (deterministic, on the config's own timesteps) instead; choose another with --sampler");
        }
        if (config.thresholding()) {
            notes.add("thresholding (dynamic thresholding) is not supported and is ignored");
        }
        boolean dpm = sampler == DPMPP_2M || sampler == DPMPP_2M_KARRAS;
        if (dpm && !config.algorithmType().equals("dpmsolver++")) {
            notes.add("algorithm_type " + config.algorithmType() + " is not supported; " + sampler.displayName
                    + " runs DPM-Solver++ (deterministic)");
        }
        if (dpm && config.solverOrder() != 2) {
            notes.add("solver_order " + config.solverOrder() + " is not supported; " + sampler.displayName
                    + " is second order");
        }
        boolean euler = sampler == EULER || sampler == EULER_KARRAS;
        if (config.timestepType().equals("continuous") && config.predictionType().equals("v_prediction") && !euler) {
            notes.add("timestep_type continuous is followed by Euler only; " + sampler.displayName
                    + " conditions the UNet on discrete timesteps");
        }
        boolean karras = sampler == EULER_KARRAS || sampler == DPMPP_2M_KARRAS;
        if (config.useKarrasSigmas() && !karras && requested == null) {
            notes.add("use_karras_sigmas is not supported by " + sampler.displayName + " and is ignored");
        }
        return new Choice(sampler, notes);
    }
}
