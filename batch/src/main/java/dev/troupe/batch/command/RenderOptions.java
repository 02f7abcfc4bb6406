package dev.troupe.batch.command;

import dev.troupe.composer.RegionalRenderer;
import dev.troupe.composer.memory.MemoryCheck;
import dev.troupe.composer.memory.SceneMemory;
import dev.troupe.renderer.Guidance;
import dev.troupe.renderer.LoraSessions;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.lora.LoraSet;
import dev.troupe.renderer.model.ModelDefaults;
import dev.troupe.renderer.model.ModelDirectory;
import dev.troupe.renderer.model.SchedulerConfig;
import dev.troupe.renderer.onnx.AvailableMemory;
import dev.troupe.renderer.scheduler.Sampler;
import dev.troupe.scene.LoraRef;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How to draw a plan, shared by {@code troupe render}, {@code run}, {@code eval} and {@code batch}, and the Spark job.
 * Steps, guidance and sampler default to what the model folder recommends in model_index.json
 * ({@code troupe_defaults}), else to what its scheduler config says of it (LCM: 4 steps at guidance 1; Turbo /
 * Lightning, "trailing" spacing: 4 steps at guidance 0), else to SD's usual 20 / 7.5 ({@link ModelDefaults}).
 */
public final class RenderOptions {

    /** The largest guidance scale accepted; usual values are 1 to 15. */
    public static final double MAX_CFG = 50;

    @Mixin
    ModelOptions model;

    @Mixin
    VerifyOptions verify = new VerifyOptions();

    @Option(names = "--steps", description = "denoising steps (default: the model's recommendation, else 4 for "
            + "LCM / Turbo-style schedulers, else 20)")
    Integer steps;

    @Option(names = "--cfg", description = "classifier-free guidance scale; <= 1 skips the negative prompt "
            + "(default: the model's recommendation, else 1 for LCM, 0 for Turbo-style schedulers, else 7.5)")
    Double cfg;

    @Option(names = "--sampler", paramLabel = "NAME",
            description = "ddim, euler, euler_karras, euler_a, dpmpp_2m, dpmpp_2m_karras or lcm (default: the model's "
                    + "scheduler)")
    String sampler;

    @Option(names = "--mode", paramLabel = "joint|composite", defaultValue = "joint",
            description = "joint: one canvas, regions fused every step; composite: regions drawn alone, blended in "
                    + "pixels (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--blend", paramLabel = "laplacian|alpha", defaultValue = "laplacian",
            description = "pixel blend in composite mode (default: ${DEFAULT-VALUE})")
    String blend;

    @Option(names = "--margin", paramLabel = "LATENT_PX", defaultValue = "-1",
            description = "context margin around each box, in latent pixels (default: half the box's shorter side)")
    int margin;

    @Option(names = "--background-weight", defaultValue = "0.05",
            description = "weight of the background prompt inside the boxes (default: ${DEFAULT-VALUE})")
    double backgroundWeight;

    @Option(names = "--full-background", description = "joint mode: run the background prompt over every tile at "
            + "every step, also where the regions cover it (the default leaves it out where it would count a fifth "
            + "or less; images drawn before that change re-render the same with this flag)")
    boolean fullBackground;

    @Option(names = "--bootstrap", defaultValue = "0.3",
            description = "fraction of the first steps in which each region sees a plain colour around its box, "
                    + "so its subject stays inside (default: ${DEFAULT-VALUE})")
    double bootstrap;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "0",
            description = "most crops (negative and positive prompts counted apart) one UNet run takes in joint mode; "
                    + "more are run in slices, same image (default: from the UNet's size and the memory available)")
    int maxBatch;

    @Option(names = "--memory-limit", paramLabel = "SIZE",
            description = "the memory a render may take, e.g. 8GB or 512MB (GiB, MiB also read); a scene estimated "
                    + "to need more is refused before it starts (default: what the machine has available)")
    String memoryLimit;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Option(names = "--lora", paramLabel = "FILE[:WEIGHT]",
            description = "a LoRA (.safetensors, kohya or diffusers/PEFT) for the whole image, merged into the model; "
                    + "repeatable; WEIGHT defaults to 1")
    List<String> loras = new ArrayList<>();

    @Option(names = "--region-lora", paramLabel = "N=FILE[:WEIGHT]",
            description = "a LoRA for region N only (1 = the first subject), added to the plan's; repeatable")
    List<String> regionLoras = new ArrayList<>();

    @Option(names = "--lora-memory", paramLabel = "MIB", defaultValue = "4096",
            description = "memory for the sessions of per-region LoRA sets; least recently used sets are dropped "
                    + "beyond it (default: ${DEFAULT-VALUE})")
    long loraMemoryMib;

    @Option(names = {"-v", "--verbose"}, description = "report what each LoRA matched and the LoRA sessions resident, "
            + "and let ONNX Runtime log its own warnings")
    boolean verbose;

    /** {@code --model} and how ONNX Runtime runs it. */
    public ModelOptions model() {
        return model;
    }

    /** {@code --verify}, {@code --verify-tries}, {@code --verifier}. */
    public VerifyOptions verify() {
        return verify;
    }

    /** {@code -q}: no progress bar. */
    public boolean quiet() {
        return quiet;
    }

    /** {@code -v}: what each LoRA matched, the LoRA sessions resident, ONNX Runtime's own warnings. */
    public boolean verbose() {
        return verbose;
    }

    /** The whole-image LoRAs: a plan's own (relative to {@code planFolder}), then each {@code --lora}. */
    LoraSet globalLoras(List<LoraRef> planLoras, Path planFolder) {
        List<LoraSet.Entry> entries = new ArrayList<>(LoraSet.fromRefs(planLoras, planFolder).entries());
        for (String spec : loras) {
            entries.add(parseLora("--lora", spec));
        }
        return new LoraSet(entries);
    }

    /** Loads the model for this plan with its whole-image LoRAs and {@code --lora} merged in. */
    public StableDiffusionModel load(Path folder, ScenePlan plan, Path planFolder) {
        return StableDiffusionModel.load(folder, model.sessions(verbose), globalLoras(plan.loras(), planFolder));
    }

    /** Loads the model with {@code --lora} merged in. */
    public StableDiffusionModel load(Path folder) {
        return StableDiffusionModel.load(folder, model.sessions(verbose), globalLoras(List.of(), Path.of("")));
    }


    /**
     * Refuses (exit 2), before the model is loaded, a plan whose estimated peak memory exceeds the memory available
     * or {@code --memory-limit}; the line names the estimate and what would fit.
     */
    public void checkMemory(Path modelFolder, ScenePlan plan) {
        ModelDirectory dir = ModelDirectory.open(modelFolder);
        MemoryCheck.require(dir, plan, memorySettings(dir, mode, cfg, margin, maxBatch), memoryAvailable(0));
    }

    /** What the memory estimate needs of these render choices, before the model is loaded (as {@link #settings}). */
    public static SceneMemory.Settings memorySettings(ModelDirectory dir, String mode, Double cfg, int margin,
                                                      int maxBatch) {
        double g = cfg != null ? cfg : ModelDefaults.of(dir).guidance();
        return new SceneMemory.Settings(parse(RegionalRenderer.Mode.class, "--mode", mode), margin,
                new Guidance(g).copies(), maxBatch);
    }

    /**
     * The memory a render may take: {@code --memory-limit}, else what the machine has available now, plus
     * {@code resident} bytes already held for it (the weights of a model loaded before the check).
     */
    public long memoryAvailable(long resident) {
        long now = AvailableMemory.bytes() + resident;
        return memoryLimit == null ? now : Math.min(now, parseSize("--memory-limit", memoryLimit));
    }

    /** "8GB", "512MB", "8GiB", "1.5G" or plain bytes; decimal units unless "iB". */
    static long parseSize(String option, String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([kmgt]?)(i?)b?\\s*")
                .matcher(text);
        if (m.matches()) {
            int power = m.group(2).isEmpty() ? 0 : "kmgt".indexOf(m.group(2).toLowerCase(Locale.ROOT)) + 1;
            double unit = Math.pow(m.group(3).isEmpty() ? 1000 : 1024, power);
            double bytes = Double.parseDouble(m.group(1)) * unit;
            if (bytes >= 1 && bytes < Long.MAX_VALUE) {
                return (long) bytes;
            }
        }
        throw new UserInputException(option + " '" + text + "': expected a size such as 8GB, 512MB or 16GiB");
    }

    /** The LoRA sessions cache for per-region sets, under {@code --lora-memory}. */
    public LoraSessions loraSessions(StableDiffusionModel loaded) {
        if (loraMemoryMib < 0) {
            throw new UserInputException("--lora-memory must be >= 0 MiB, not " + loraMemoryMib);
        }
        return new LoraSessions(loaded, loraMemoryMib << 20);
    }

    /** The plan with each {@code --region-lora} added to its region (as an absolute path). */
    public ScenePlan withRegionLoras(ScenePlan plan) {
        if (regionLoras.isEmpty()) {
            return plan;
        }
        List<Region> regions = new ArrayList<>(plan.regions());
        for (String spec : regionLoras) {
            int eq = spec.indexOf('=');
            int index;
            try {
                index = eq < 0 ? -1 : Integer.parseInt(spec.substring(0, eq).strip());
            } catch (NumberFormatException e) {
                index = -1;
            }
            if (index < 1 || index > regions.size()) {
                throw new UserInputException("--region-lora '" + spec + "': expected N=FILE[:WEIGHT] with N between 1 "
                        + "and " + regions.size() + " (the plan's regions), e.g. --region-lora 2=striped.safetensors:0.8");
            }
            LoraSet.Entry entry = parseLora("--region-lora", spec.substring(eq + 1));
            Region r = regions.get(index - 1);
            List<LoraRef> refs = new ArrayList<>(r.loras());
            refs.add(new LoraRef(entry.file().toAbsolutePath().toString(), entry.multiplier()));
            regions.set(index - 1, r.withLoras(refs));
        }
        return plan.withRegions(regions);
    }

    /** {@code FILE[:WEIGHT]}: the weight is what follows the last colon when it is a number. */
    public static LoraSet.Entry parseLora(String option, String spec) {
        String file = spec;
        double weight = 1.0;
        int colon = spec.lastIndexOf(':');
        if (colon >= 0) {
            try {
                weight = Double.parseDouble(spec.substring(colon + 1).strip());
                file = spec.substring(0, colon);
            } catch (NumberFormatException e) {
                // no weight: the colon belongs to the path
            }
        }
        if (file.isBlank() || !Double.isFinite(weight)) {
            throw new UserInputException(option + " '" + spec + "': expected FILE[:WEIGHT], e.g. "
                    + "models/loras/striped-tops.safetensors:0.8");
        }
        return new LoraSet.Entry(Path.of(file), weight);
    }

    /** The render settings these options ask for, for this model (see the static {@code settings}). */
    public RegionalRenderer.Settings settings(StableDiffusionModel loaded) {
        if (memoryLimit != null) {
            // default batches are sized within the limit, as the memory check assumed
            loaded.limitMemory(parseSize("--memory-limit", memoryLimit));
        }
        return settings(loaded, steps, cfg, sampler, mode, margin, backgroundWeight, bootstrap, blend, maxBatch)
                .withTrimBackground(!fullBackground);
    }

    /**
     * The render settings as {@code troupe render} reads its flags; null steps, cfg or sampler: the model's
     * recommendation ({@link ModelDefaults}) and the model's scheduler. Shared with
     * the studio's render API.
     *
     * @param maxBatch the most UNet samples per run, 0 for the model's default
     */
    public static RegionalRenderer.Settings settings(StableDiffusionModel loaded, Integer steps, Double cfg,
                                                     String sampler, String mode, int margin,
                                                     double backgroundWeight, double bootstrap, String blend,
                                                     int maxBatch) {
        ModelDefaults defaults = ModelDefaults.of(loaded.directory());
        int n = steps != null ? steps : defaults.steps();
        double g = cfg != null ? cfg : defaults.guidance();
        Sampler s = sampler(sampler, loaded.schedulerConfig(), loaded.directory().root());
        String stepsProblem = stepsProblem(n, s, loaded.schedulerConfig());
        if (stepsProblem != null) {
            throw new UserInputException("--steps " + stepsProblem);
        }
        String cfgProblem = cfgProblem(g);
        if (cfgProblem != null) {
            throw new UserInputException("--cfg " + cfgProblem);
        }
        if (!(backgroundWeight >= 0) || !(bootstrap >= 0 && bootstrap <= 1)) {
            throw new UserInputException("--background-weight must be >= 0 and --bootstrap between 0 and 1");
        }
        if (maxBatch < 0) {
            throw new UserInputException("--max-batch must be 1 or more (or 0 for automatic), not " + maxBatch);
        }
        return new RegionalRenderer.Settings(n, g, s, parse(RegionalRenderer.Mode.class, "--mode", mode), margin,
                backgroundWeight, bootstrap, parse(RegionalRenderer.Blend.class, "--blend", blend), maxBatch);
    }

    /** The sampler of this name, or the model's own for null. @throws UserInputException for an unknown name */
    public static Sampler sampler(String name, SchedulerConfig schedule) {
        return sampler(name, schedule, null);
    }

    /**
     * The sampler of this name, or the model's own for null; what the model's scheduler config asks for that does
     * not run as asked is said once per process (a note naming the config of the model folder {@code root}).
     */
    static Sampler sampler(String name, SchedulerConfig schedule, java.nio.file.Path root) {
        try {
            Sampler.Choice choice = Sampler.choose(name, schedule);
            if (root != null) {
                for (String note : choice.notes()) {
                    CommandErrors.noteOnce(root.resolve("scheduler/scheduler_config.json") + ": " + note);
                }
            }
            return choice.sampler();
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        }
    }

    /** What is wrong with drawing {@code steps} steps with this sampler on this model's schedule, or null. */
    public static String stepsProblem(int steps, Sampler sampler, SchedulerConfig schedule) {
        int most = sampler.maxSteps(schedule);
        return steps >= 1 && steps <= most ? null : String.format(Locale.ROOT,
                "must be between 1 and %d for the %s sampler with this model, not %d", most, sampler.cliName(), steps);
    }

    /** What is wrong with this guidance scale, or null: beyond {@value #MAX_CFG} the predictions overflow. */
    public static String cfgProblem(double cfg) {
        return Double.isFinite(cfg) && cfg >= 0 && cfg <= MAX_CFG ? null
                : "must be a number from 0 to " + (int) MAX_CFG + ", not " + cfg;
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String option, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserInputException(option + " '" + value + "' is not one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }
}
