package dev.troupe.verify;

import dev.troupe.composer.Images;
import dev.troupe.composer.RegionalRenderer;
import dev.troupe.renderer.RgbImage;
import dev.troupe.renderer.noise.GaussianNoise;
import dev.troupe.scene.Box;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.Verification;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Draws a plan, reads every subject back with a {@link SubjectVerifier}, and redraws the scene with new region seeds
 * for the subjects read wrong, up to {@code redraws} more rounds; keeps the round with the most subjects verified
 * (the earliest of equals). Each round changes only the failing subjects' seeds: in composite mode the others are
 * drawn as before and change only where a redrawn neighbour's pixel blend reaches into their boxes; in joint mode
 * their noise is the same and they change where the canvas they share does (measured per round:
 * {@link Round#othersChange()}).
 *
 * <p>A redrawn subject's seed is {@code GaussianNoise.seedOf(its planned seed, VERIFY_STREAM, round)}: the same plan,
 * model and verifier redraw the same way. The plan returned carries the seeds of the round kept and, per region, a
 * {@link Verification} record (values read in that round, the seeds tried), so re-rendering it without verifying
 * gives the same pixels.
 */
public final class VerifiedRenderer {

    /** {@code --verify-tries}' default: redraw rounds after the first drawing. */
    public static final int DEFAULT_REDRAWS = 3;
    /** Folded into redraw seeds so that they are no other stream's ("verify" in ASCII). */
    static final long VERIFY_STREAM = 0x766572696679L;

    /**
     * One drawing of the scene.
     *
     * @param number       1 for the first drawing, then one per redraw round
     * @param redrawn      ids of the subjects given new seeds for this round (none in round 1)
     * @param verified     subjects read as planned in this round
     * @param failing      ids of the subjects read wrong in this round
     * @param unetWork     latent pixels the UNet processed in this round
     * @param nanos        time this round took to draw (reading not included)
     * @param othersChange mean absolute change, 0..255 per channel, of the pixels in the boxes of subjects that kept
     *                     their seed, against the previous round (NaN in round 1 or when every subject was redrawn)
     */
    public record Round(int number, List<String> redrawn, int verified, List<String> failing, long unetWork, long nanos,
                        double othersChange) {
    }

    /**
     * @param plan   the plan of the round kept: its seeds, and a verification record per region
     * @param result the drawing kept
     * @param rounds every round, in order
     * @param kept   the number of the round kept
     * @param first  the first drawing (the scene as it would be without verifying)
     */
    public record Outcome(ScenePlan plan, RegionalRenderer.Result result, List<Round> rounds, int kept,
                          RegionalRenderer.Result first) {
        /** UNet latent pixels over every round. */
        public long unetWork() {
            return rounds.stream().mapToLong(Round::unetWork).sum();
        }

        /** Drawing time over every round. */
        public long nanos() {
            return rounds.stream().mapToLong(Round::nanos).sum();
        }

        /** Subjects verified in the drawing kept. */
        public int verified() {
            return rounds.get(kept - 1).verified();
        }

        /** The regions that stayed wrong in the drawing kept. */
        public List<Region> wrong() {
            return plan.regions().stream().filter(r -> r.verification() != null && !r.verification().verified())
                    .toList();
        }
    }

    private final RegionalRenderer renderer;
    private final SubjectVerifier verifier;
    private final int redraws;

    /** @param redraws the most redraw rounds after the first drawing (0: read and record only) */
    public VerifiedRenderer(RegionalRenderer renderer, SubjectVerifier verifier, int redraws) {
        if (redraws < 0) {
            throw new IllegalArgumentException("redraw rounds must be >= 0, not " + redraws);
        }
        this.renderer = renderer;
        this.verifier = verifier;
        this.redraws = redraws;
    }

    public Outcome render(ScenePlan requested, RegionalRenderer.Settings s, RegionalRenderer.Progress progress) {
        ScenePlan planned = requested.withoutVerification();
        int n = planned.regions().size();
        List<List<Long>> seedsTried = new ArrayList<>();
        planned.regions().forEach(r -> seedsTried.add(new ArrayList<>(List.of(r.seed()))));
        List<Round> rounds = new ArrayList<>();
        ScenePlan current = planned;
        List<String> redrawn = List.of();
        RgbImage previous = null;
        ScenePlan keptPlan = null;
        RegionalRenderer.Result kept = null, first = null;
        List<Map<String, String>> keptReadings = null;
        boolean[] keptOk = null;
        int keptRound = 0;
        for (int round = 1; ; round++) {
            RegionalRenderer.Result result = renderer.render(current, s, progress);
            first = first == null ? result : first;
            BufferedImage image = Images.toBuffered(result.image());
            List<Map<String, String>> readings = new ArrayList<>();
            boolean[] ok = new boolean[n];
            List<String> failing = new ArrayList<>();
            int verified = 0;
            for (int i = 0; i < n; i++) {
                Region region = current.regions().get(i);
                Map<String, String> read = verifier.read(image, region);
                readings.add(read);
                ok[i] = SubjectVerifier.matches(region, read);
                if (ok[i]) {
                    verified++;
                } else {
                    failing.add(region.id());
                }
            }
            double others = previous == null ? Double.NaN : othersChange(previous, result.image(), current, redrawn);
            rounds.add(new Round(round, redrawn, verified, List.copyOf(failing), result.unetWork(), result.nanos(),
                    others));
            if (kept == null || verified > rounds.get(keptRound - 1).verified()) {
                kept = result;
                keptPlan = current;
                keptReadings = readings;
                keptOk = ok;
                keptRound = round;
            }
            if (failing.isEmpty() || round > redraws) {
                break;
            }
            List<Region> regions = new ArrayList<>(current.regions());
            List<String> next = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (!ok[i]) {
                    long seed = redrawSeed(planned.regions().get(i).seed(), round);
                    regions.set(i, regions.get(i).withSeed(seed));
                    seedsTried.get(i).add(seed);
                    next.add(regions.get(i).id());
                }
            }
            previous = result.image();
            redrawn = List.copyOf(next);
            current = current.withRegions(regions);
        }
        List<Region> recorded = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Long> seeds = seedsTried.get(i);
            recorded.add(keptPlan.regions().get(i).withVerification(new Verification(verifier.name(), keptOk[i],
                    keptReadings.get(i), seeds.size(), seeds)));
        }
        return new Outcome(keptPlan.withRegions(recorded), kept, List.copyOf(rounds), keptRound, first);
    }

    /** The seed of a subject redrawn after round {@code round}, from the seed its plan gave it. */
    public static long redrawSeed(long plannedSeed, int round) {
        return GaussianNoise.seedOf(plannedSeed, VERIFY_STREAM, round);
    }

    /** Mean |a - b| over the pixels of the boxes of the subjects not redrawn (0..255 per channel). */
    static double othersChange(RgbImage a, RgbImage b, ScenePlan plan, List<String> redrawn) {
        long sum = 0, count = 0;
        for (Region r : plan.regions()) {
            if (redrawn.contains(r.id())) {
                continue;
            }
            Box box = r.box();
            for (int y = Math.max(0, box.y()); y < Math.min(a.height(), box.bottom()); y++) {
                for (int x = Math.max(0, box.x()); x < Math.min(a.width(), box.right()); x++) {
                    int i = (y * a.width() + x) * 3;
                    for (int c = 0; c < 3; c++) {
                        sum += Math.abs((a.rgb()[i + c] & 0xff) - (b.rgb()[i + c] & 0xff));
                    }
                    count += 3;
                }
            }
        }
        return count == 0 ? Double.NaN : sum / (double) count;
    }
}
