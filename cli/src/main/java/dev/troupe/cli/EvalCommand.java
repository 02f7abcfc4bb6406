package dev.troupe.cli;

import dev.troupe.batch.command.ExitCodes;
import dev.troupe.batch.command.RenderOptions;
import dev.troupe.composer.Images;
import dev.troupe.composer.RegionalRenderer;
import dev.troupe.composer.png.PngText;
import dev.troupe.composer.png.PngWriter;
import dev.troupe.eval.AttributeEvaluator;
import dev.troupe.eval.EvaluationReport;
import dev.troupe.eval.Palette;
import dev.troupe.eval.SeamMetric;
import dev.troupe.eval.Tally;
import dev.troupe.planner.PlanBuilder;
import dev.troupe.planner.PlanOptions;
import dev.troupe.planner.PlanResult;
import dev.troupe.renderer.RenderRequest;
import dev.troupe.renderer.StableDiffusionModel;
import dev.troupe.renderer.Text2ImagePipeline;
import dev.troupe.scene.AtomicFiles;
import dev.troupe.scene.Box;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;
import dev.troupe.verify.SubjectVerifier;
import dev.troupe.verify.VerifiedRenderer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code troupe eval}: reads back from pixels what the model drew for each subject and compares it with the plan.
 * Three ways in: images you already have ({@code troupe eval out.png ...}), single figures drawn by the model on
 * its own ({@code --figures N}: the model's fidelity), or whole planned scenes ({@code --scenes N}: regional
 * rendering's fidelity, bleeding between neighbours, seams at box borders and UNet cost).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Measures attribute fidelity with the model's evaluator (models that ship evaluation.json).",
                "  troupe eval out.png ...        images with their plans (OUT.plan.json beside them, or in the PNG)",
                "  troupe eval --figures 200      single figures drawn by the model alone",
                "  troupe eval --scenes 40        planned scenes: fidelity, bleeding, seams, cost"})
public final class EvalCommand implements Callable<Integer> {

    /** Requests for --scenes: every backdrop, several group sizes. */
    static final List<String> SCENE_REQUESTS = List.of(
            "a multiracial female basketball team of 5 on an indoor court",
            "4 soccer players on a grass field",
            "6 office workers in an office",
            "a trio of dancers in a studio",
            "5 runners under the sky",
            "a quartet of musicians in a studio",
            "3 nurses in an office",
            "5 students on a grass field");

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "IMAGE", arity = "0..*", description = "PNG files made by troupe")
    List<Path> images = List.of();

    @Option(names = "--plan", paramLabel = "FILE", description = "the plan of the (single) image, if not beside it or inside it")
    Path planFile;

    @Option(names = "--figures", paramLabel = "N", description = "draw N single figures with random attributes and read them back")
    int figures;

    @Option(names = "--scenes", paramLabel = "N", description = "plan and draw N scenes from varied requests and read them back")
    int scenes;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the attributes and scenes drawn (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "keep the drawn images here")
    Path outputDir;

    @Mixin
    RenderOptions rendering;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (images.isEmpty() && figures <= 0 && scenes <= 0) {
            throw new UserInputException("nothing to evaluate: give PNG files, or --figures N, or --scenes N");
        }
        if (rendering.verify().enabled() && scenes <= 0) {
            throw new UserInputException("--verify measures what verifying does to planned scenes: add --scenes N "
                    + "(images and --figures are read as they are)");
        }
        if (outputDir != null) {
            Files.createDirectories(outputDir);
        }
        Path modelDir = rendering.model().resolve(null, null);
        Palette palette = Palette.load(modelDir);
        AttributeEvaluator evaluator = new AttributeEvaluator(palette);
        if (!images.isEmpty()) {
            List<EvaluationReport> reports = new ArrayList<>();
            Map<String, Map<String, Tally>> byGroup = new java.util.TreeMap<>();
            for (Path image : images) {
                ScenePlan plan = planOf(image);
                EvaluationReport report = evaluator.evaluate(readImage(image), plan);
                reports.add(report);
                tallyByGroup(plan, report, byGroup);
            }
            print(out, "images", reports);
            if (byGroup.size() > 1) {
                out.println("by group (the parts of the request):");
                byGroup.forEach((group, tallies) -> tallies.forEach((attribute, tally) ->
                        out.printf(Locale.ROOT, "  %-24s %-8s %s%n", group, attribute, tally)));
            }
        }
        if (figures > 0 || scenes > 0) {
            try (StableDiffusionModel model = rendering.load(modelDir)) {
                if (figures > 0) {
                    figures(model, palette, evaluator, out);
                }
                if (scenes > 0) {
                    scenes(model, palette, evaluator, out);
                }
            }
        }
        return ExitCodes.OK;
    }

    /** The model alone: one figure per image, its prompt from the planner's profile, read back whole. */
    private void figures(StableDiffusionModel model, Palette palette, AttributeEvaluator evaluator, PrintWriter out)
            throws IOException {
        RegionalRenderer.Settings s = rendering.settings(model);
        PlanBuilder planner = PlanBuilder.standard();
        Text2ImagePipeline pipeline = new Text2ImagePipeline(model);
        SplittableRandom random = new SplittableRandom(seed);
        List<String> scenesKnown = new ArrayList<>(palette.scenes().keySet());
        List<EvaluationReport> reports = new ArrayList<>();
        StringBuilder readings = new StringBuilder(READINGS_HEADER);
        int size = palette.tileHeight() * model.vaeDecoder().pixelFactor();
        long start = System.nanoTime();
        ProgressBar bar = new ProgressBar(spec.commandLine().getErr(), rendering.quiet(), "figures");
        for (int i = 0; i < figures; i++) {
            String skin = pick(random, palette.skin().keySet());
            String hair = pick(random, palette.hair().keySet());
            String top = pick(random, palette.top().keySet());
            String scene = scenesKnown.get(random.nextInt(scenesKnown.size()));
            PlanOptions options = PlanOptions.seeded(seed + i).withCount(1)
                    .withOverride(0, "skin", skin).withOverride(0, "hair", hair).withOverride(0, "top", top);
            PlanResult planned = planner.build("one person " + palette.scenes().get(scene).subjectPhrase(), options);
            Region subject = planned.plan().regions().get(0);
            BufferedImage image = Images.toBuffered(pipeline.render(new RenderRequest(subject.prompt(),
                    subject.negativePrompt(), size, size, s.steps(), s.guidance(), s.sampler(), seed * 1_000_003L + i))
                    .image());
            Map<String, String> attributes = new LinkedHashMap<>(subject.attributes());
            attributes.put(AttributeEvaluator.SCENE, scene);
            ScenePlan single = new ScenePlan(ScenePlan.CURRENT_VERSION, subject.prompt(), size, size,
                    palette.scenes().get(scene).backgroundPhrase(), "", seed + i,
                    "embedded", planned.plan().profile(), "single", List.of(new Region("f" + (i + 1),
                    new Box(0, 0, size, size), subject.prompt(), subject.negativePrompt(), seed + i, 1.0, attributes,
                    List.of())));
            EvaluationReport report = evaluator.evaluate(image, single);
            reports.add(report);
            if (outputDir != null) {
                String name = String.format(Locale.ROOT, "figure-%03d.png", i + 1);
                PngWriter.write(outputDir.resolve(name), image, PlanJson.write(single), subject.prompt());
                readings.append(readingLines(name, report));
            }
            bar.update("drawing", i + 1, figures);
        }
        bar.finish();
        writeReadings(readings);
        out.printf(Locale.ROOT, "%d figures, %d steps %s, cfg %s, %.2f s per figure%n", figures, s.steps(),
                s.sampler().cliName(), s.guidance(), (System.nanoTime() - start) / 1e9 / figures);
        print(out, "figures", reports);
    }

    /** Whole scenes: plan a varied request with every subject's skin and top colour assigned, draw, read back. */
    private void scenes(StableDiffusionModel model, Palette palette, AttributeEvaluator evaluator, PrintWriter out)
            throws IOException {
        RegionalRenderer.Settings s = rendering.settings(model);
        PlanBuilder planner = PlanBuilder.standard();
        RegionalRenderer renderer = new RegionalRenderer(model);
        SubjectVerifier verifier = rendering.verify().verifier(model.directory().root(),
                rendering.model().sessions());
        VerifiedRenderer verifying = rendering.verify().renderer(renderer, verifier);
        VerifyCost cost = new VerifyCost();
        List<EvaluationReport> before = new ArrayList<>();
        List<EvaluationReport> reports = new ArrayList<>();
        StringBuilder readings = new StringBuilder(READINGS_HEADER);
        Tally neighbourTop = new Tally(0, 0);
        int tookNeighbours = 0;
        double border = 0, inside = 0;
        long work = 0, naive = 0, nanos = 0;
        int subjects = 0;
        for (int k = 0; k < scenes; k++) {
            String request = SCENE_REQUESTS.get(k % SCENE_REQUESTS.size());
            PlanOptions options = PlanOptions.seeded(seed + k)
                    .withMix("skin", uniform(planner, "skin", palette.skin().keySet()))
                    .withMix("top", uniform(planner, "top", palette.top().keySet()));
            ScenePlan plan = planner.build(request, options).plan();
            int label = k + 1;
            RegionalRenderer.Result r;
            long drawNanos;
            if (verifying == null) {
                r = renderer.render(plan, s, (phase, step, steps) -> { });
                drawNanos = r.nanos();
            } else {
                VerifiedRenderer.Outcome v = verifying.render(plan, s, (phase, step, steps) -> { });
                before.add(evaluator.evaluate(Images.toBuffered(v.first().image()), plan));
                cost.add(v);
                r = v.result();
                plan = v.plan();
                drawNanos = v.nanos();
            }
            BufferedImage image = Images.toBuffered(r.image());
            EvaluationReport report = evaluator.evaluate(image, plan);
            reports.add(report);
            SeamMetric.Result seams = SeamMetric.measure(image, plan);
            border += seams.borderMean();
            inside += seams.insideMean();
            work += r.unetWork();
            naive += r.naiveUnetWork();
            nanos += drawNanos;
            subjects += plan.regions().size();
            // bleeding: subjects standing next to someone in another top colour
            List<EvaluationReport.Subject> byX = new ArrayList<>(report.subjects());
            Map<String, Region> regions = new LinkedHashMap<>();
            plan.regions().forEach(reg -> regions.put(reg.id(), reg));
            byX.sort(Comparator.comparingInt(sub -> regions.get(sub.regionId()).box().x()));
            for (int i = 0; i < byX.size(); i++) {
                String own = byX.get(i).planned().get(AttributeEvaluator.TOP);
                List<String> neighbours = new ArrayList<>();
                if (i > 0) {
                    neighbours.add(byX.get(i - 1).planned().get(AttributeEvaluator.TOP));
                }
                if (i + 1 < byX.size()) {
                    neighbours.add(byX.get(i + 1).planned().get(AttributeEvaluator.TOP));
                }
                if (own == null || neighbours.stream().allMatch(own::equals)) {
                    continue;
                }
                String read = byX.get(i).read().get(AttributeEvaluator.TOP);
                neighbourTop = neighbourTop.plus(new Tally(1, own.equals(read) ? 1 : 0));
                if (!own.equals(read) && neighbours.contains(read)) {
                    tookNeighbours++;
                }
            }
            if (outputDir != null) {
                String name = String.format(Locale.ROOT, "scene-%03d", label);
                PngWriter.write(outputDir.resolve(name + ".png"), image, PlanJson.write(plan), request);
                PlanJson.write(plan, outputDir.resolve(name + ".plan.json"));
                readings.append(readingLines(name + ".png", report));
            }
        }
        writeReadings(readings);
        out.printf(Locale.ROOT, "%d scenes, %d subjects, %d steps %s, cfg %s, %s mode, %.2f s per scene%n", scenes,
                subjects, s.steps(), s.sampler().cliName(), s.guidance(), s.mode().name().toLowerCase(Locale.ROOT),
                nanos / 1e9 / scenes);
        if (verifying != null) {
            print(out, "scenes before verification", before);
            out.println(cost.describe(verifier.name(), rendering.verify().redraws(), scenes));
        }
        print(out, verifying == null ? "scenes" : "scenes after verification", reports);
        out.printf(Locale.ROOT, "bleeding: top colour of subjects next to another colour %s; drew a neighbour's "
                + "colour instead of their own: %d%n", neighbourTop, tookNeighbours);
        out.printf(Locale.ROOT, "seams: mean gradient on box borders %.2f, inside boxes %.2f, ratio %.2f%n",
                border / scenes, inside / scenes, border / inside);
        out.printf(Locale.ROOT, "cost: UNet latent pixels %d against %d for every prompt over the whole canvas: "
                + "%.2fx less%n", work, naive, naive / (double) work);
        if (verifier != null) {
            verifier.close();
        }
    }

    /** What verifying cost over a run of scenes: redraws, UNet work and time against the first drawings. */
    static final class VerifyCost {
        int scenesRedrawn, subjectsRedrawn, redraws, stayedWrong, rounds;
        long work, firstWork, nanos, firstNanos;
        double othersChange, othersChangeMax;
        int othersRounds;

        void add(VerifiedRenderer.Outcome v) {
            work += v.unetWork();
            nanos += v.nanos();
            firstWork += v.rounds().get(0).unetWork();
            firstNanos += v.rounds().get(0).nanos();
            scenesRedrawn += v.rounds().size() > 1 ? 1 : 0;
            rounds += v.rounds().size() - 1;
            subjectsRedrawn += (int) v.plan().regions().stream().filter(r -> r.verification().tries() > 1).count();
            redraws += v.rounds().stream().mapToInt(r -> r.redrawn().size()).sum();
            stayedWrong += v.wrong().size();
            for (VerifiedRenderer.Round r : v.rounds()) {
                if (!Double.isNaN(r.othersChange())) {
                    othersChange += r.othersChange();
                    othersChangeMax = Math.max(othersChangeMax, r.othersChange());
                    othersRounds++;
                }
            }
        }

        String describe(String verifier, int maxRedraws, int scenes) {
            return String.format(Locale.ROOT, "verification (%s, at most %d redraw rounds): %d of %d scenes redrawn "
                            + "(%d rounds), %d subjects redrawn (%d redraws), %d stayed wrong%n"
                            + "  UNet work: %d latent pixels against %d without verifying: %.3fx; drawing time %.1f s "
                            + "against %.1f s: %.3fx%n"
                            + "  subjects that kept their seed changed by %s of 255 per channel on average in their "
                            + "boxes (largest round %s)",
                    verifier, maxRedraws, scenesRedrawn, scenes, rounds, subjectsRedrawn, redraws, stayedWrong, work,
                    firstWork, work / (double) firstWork, nanos / 1e9, firstNanos / 1e9, nanos / (double) firstNanos,
                    othersRounds == 0 ? "-" : String.format(Locale.ROOT, "%.2f", othersChange / othersRounds),
                    othersRounds == 0 ? "-" : String.format(Locale.ROOT, "%.2f", othersChangeMax));
        }
    }

    /** Every value of the dimension equally often, e.g. "top=red:1,blue:1,...". */
    private static dev.troupe.planner.Distribution uniform(PlanBuilder planner, String dimension,
                                                            java.util.Collection<String> values) {
        return PlanOptions.parseMix(dimension + "=" + String.join(",", values.stream().map(v -> v + ":1").toList()),
                planner.lexicon()).getValue();
    }

    private static String pick(SplittableRandom random, java.util.Collection<String> values) {
        List<String> list = new ArrayList<>(values);
        return list.get(random.nextInt(list.size()));
    }

    private static final String READINGS_HEADER = "image\tregion\tattribute\tplanned\tread\n";

    /** One line per planned attribute: image, region, attribute, planned value, value read (empty: none). */
    private static String readingLines(String image, EvaluationReport report) {
        StringBuilder lines = new StringBuilder();
        for (EvaluationReport.Subject subject : report.subjects()) {
            subject.planned().forEach((attribute, planned) -> lines.append(String.join("\t", image,
                    subject.regionId(), attribute, planned, subject.read().getOrDefault(attribute, ""))).append('\n'));
        }
        return lines.toString();
    }

    /** Per part of the request (a region's group), per attribute: how many of its subjects were drawn as planned. */
    private static void tallyByGroup(ScenePlan plan, EvaluationReport report, Map<String, Map<String, Tally>> byGroup) {
        for (EvaluationReport.Subject s : report.subjects()) {
            String group = plan.regions().stream().filter(r -> r.id().equals(s.regionId())).findFirst()
                    .map(Region::group).orElse(null);
            Map<String, Tally> tallies = byGroup.computeIfAbsent(group == null ? "-" : group, g -> new java.util.TreeMap<>());
            s.planned().forEach((attribute, planned) -> {
                if (s.read().containsKey(attribute)) {
                    tallies.merge(attribute, new Tally(1, planned.equals(s.read().get(attribute)) ? 1 : 0), Tally::plus);
                }
            });
        }
    }

    /** With -o DIR: readings.tsv beside the images, so each misread subject can be found and looked at. */
    private void writeReadings(StringBuilder readings) {
        if (outputDir != null) {
            AtomicFiles.writeString(outputDir.resolve("readings.tsv"), readings.toString());
        }
    }

    private static void print(PrintWriter out, String what, List<EvaluationReport> reports) {
        out.println("fidelity (" + what + "): planned against read from the pixels");
        EvaluationReport.sum(reports).forEach((attribute, tally) -> out.printf(Locale.ROOT, "  %-24s %s%n",
                attribute, tally));
        EvaluationReport.misreadings(reports).forEach((attribute, pairs) -> out.printf(Locale.ROOT,
                "  misread %-16s %s%n", attribute, pairs.entrySet().stream().limit(6)
                        .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))));
    }

    private static BufferedImage readImage(Path image) throws IOException {
        if (!Files.isRegularFile(image)) {
            throw new UserInputException("no image at " + image);
        }
        BufferedImage img = ImageIO.read(image.toFile());
        if (img == null) {
            throw new UserInputException(image + " is not an image ImageIO can read (PNG expected)");
        }
        return img;
    }

    /** --plan, else OUT.plan.json beside OUT.png, else the plan inside the PNG. */
    private ScenePlan planOf(Path image) throws IOException {
        if (planFile != null) {
            return PlanJson.read(planFile);
        }
        String name = image.getFileName().toString();
        Path beside = image.resolveSibling(name.replaceFirst("(?i)\\.png$", "") + ".plan.json");
        if (Files.isRegularFile(beside)) {
            return PlanJson.read(beside);
        }
        String json = PngText.read(image).get(PngWriter.PLAN_KEY);
        if (json == null) {
            throw new UserInputException(image + " carries no plan and has none beside it; pass --plan FILE");
        }
        return PlanJson.read(json);
    }
}
