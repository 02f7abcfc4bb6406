package dev.troupe.renderer.scheduler;

import dev.troupe.renderer.model.SchedulerConfig;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The samplers a user can choose, with their command-line names and the names A1111 writes in PNG parameters. */
public enum Sampler {
    DDIM("ddim", "DDIM"),
    EULER("euler", "Euler"),
    EULER_ANCESTRAL("euler_a", "Euler a"),
    DPMPP_2M("dpmpp_2m", "DPM++ 2M"),
    DPMPP_2M_KARRAS("dpmpp_2m_karras", "DPM++ 2M Karras"),
    LCM("lcm", "LCM");

    private final String cliName;
    private final String displayName;

    Sampler(String cliName, String displayName) {
        this.cliName = cliName;
        this.displayName = displayName;
    }

    public String cliName() {
        return cliName;
    }

    /** The name A1111 uses in its {@code parameters} text. */
    public String displayName() {
        return displayName;
    }

    /** A fresh scheduler of this kind (schedulers hold per-image state). */
    public Scheduler create(SchedulerConfig config) {
        return switch (this) {
            case DDIM -> new DdimScheduler(config);
            case EULER -> new EulerScheduler(config);
            case EULER_ANCESTRAL -> new EulerAncestralScheduler(config);
            case DPMPP_2M -> new DpmSolverMultistepScheduler(config, config.useKarrasSigmas());
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

    /** The sampler a model's scheduler_config.json names, DDIM when it names one we do not have. */
    public static Sampler forConfig(SchedulerConfig config) {
        return switch (config.className()) {
            case "EulerDiscreteScheduler" -> EULER;
            case "EulerAncestralDiscreteScheduler" -> EULER_ANCESTRAL;
            case "DPMSolverMultistepScheduler" -> config.useKarrasSigmas() ? DPMPP_2M_KARRAS : DPMPP_2M;
            case "LCMScheduler" -> LCM;
            default -> DDIM;
        };
    }
}
