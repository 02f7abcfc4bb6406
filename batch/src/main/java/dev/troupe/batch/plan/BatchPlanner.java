package dev.troupe.batch.plan;

import dev.troupe.batch.manifest.JobSpec;
import dev.troupe.batch.manifest.Manifest;
import dev.troupe.planner.Distribution;
import dev.troupe.planner.GroupSpec;
import dev.troupe.planner.PlanBuilder;
import dev.troupe.planner.PlanOptions;
import dev.troupe.planner.assign.BatchQuota;
import dev.troupe.scene.LoraRef;
import dev.troupe.scene.PlanValidator;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plans every job of a manifest, the batch quotas included. Quotas are shared out over the whole manifest (every
 * shard plans every job, so the shards' union meets the totals); only the rendering is split.
 *
 * <p>Per quota dimension, what a request job's own plan decides is <em>pinned</em>: the values its request gives,
 * for the group or one of its parts ("female", "half of them women", "a bride and a groom"), its own mix, its
 * per-subject {@code set} ({@link PlanBuilder#assignedCounts}, which no share of another dimension changes); plan jobs
 * are pinned by their regions' attributes. The subjects a job leaves open (the guests of a wedding) are <em>free</em>:
 * {@link BatchQuota} gives each scene counts for them, which reach its plan as a fill; the planner's sampler then
 * balances the dimensions jointly within the scene as usual.
 */
public final class BatchPlanner {

    /** A job and its plan, or why it could not be planned. */
    public record Planned(Manifest.Entry entry, JobSpec spec, ScenePlan plan, String error) {
        public boolean ok() {
            return plan != null;
        }

        public String name() {
            return entry.name();
        }
    }

    /** Every job planned, and per quota dimension the batch totals aimed for. */
    public record Result(List<Planned> jobs, Map<String, Map<String, Integer>> targets) {
    }

    private final PlanBuilder builder;

    public BatchPlanner(PlanBuilder builder) {
        this.builder = builder;
    }

    /**
     * A request job after reading, before its quota shares are known; pinned: dimension -> the counts its plan gives
     * by itself (its request, its own mix, its overrides), over the subjects that get a value.
     */
    private record Sized(JobSpec spec, GroupSpec group, int n, Map<String, Map<String, Integer>> pinned) {
    }

    public Result plan(Manifest manifest, long batchSeed) {
        List<Manifest.Entry> entries = manifest.entries();
        List<Object> stage = new ArrayList<>(); // JobSpec+Sized, or a String error, per entry
        for (Manifest.Entry entry : entries) {
            try {
                JobSpec spec = JobSpec.parse(entry, manifest, builder.lexicon(), batchSeed);
                if (spec.plan() != null) {
                    stage.add(spec);
                } else {
                    GroupSpec group = builder.understand(spec.request());
                    int n = builder.subjectCount(group, spec.options());
                    stage.add(new Sized(spec, group, n, builder.assignedCounts(group, spec.options())));
                }
            } catch (UserInputException e) {
                stage.add(e.getMessage());
            }
        }

        // per quota dimension: each job's free subjects and pinned values, then the allocation
        Map<String, Map<String, Integer>> batchTargets = new LinkedHashMap<>();
        List<PlanOptions> options = new ArrayList<>();
        for (Object s : stage) {
            options.add(s instanceof Sized sized ? sized.spec().options() : null);
        }
        for (Map.Entry<String, Distribution> quota : manifest.quotas().entrySet()) {
            String dim = quota.getKey();
            List<BatchQuota.Scene> scenes = new ArrayList<>();
            List<Integer> sceneJobs = new ArrayList<>();
            for (int j = 0; j < stage.size(); j++) {
                Object s = stage.get(j);
                if (s instanceof JobSpec spec) {
                    Map<String, Integer> values = new LinkedHashMap<>();
                    spec.plan().regions().forEach(r -> {
                        String v = r.attributes().get(dim);
                        if (v != null) {
                            values.merge(v, 1, Integer::sum);
                        }
                    });
                    scenes.add(new BatchQuota.Scene(0, values));
                    sceneJobs.add(j);
                } else if (s instanceof Sized sized) {
                    // what its own plan decides counts as pinned (a bride, "half of them women", an override); the
                    // subjects it leaves open (the guests) are the quota's to share out
                    Map<String, Integer> counts = sized.pinned().getOrDefault(dim, Map.of());
                    int fixed = counts.values().stream().mapToInt(Integer::intValue).sum();
                    scenes.add(new BatchQuota.Scene(Math.max(0, sized.n() - fixed), counts));
                    sceneJobs.add(j);
                }
            }
            BatchQuota.Allocation allocation = BatchQuota.allocate(quota.getValue(), scenes,
                    JobSpec.derivedSeed(batchSeed, "quota/" + dim));
            batchTargets.put(dim, allocation.targets());
            for (int i = 0; i < sceneJobs.size(); i++) {
                int j = sceneJobs.get(i);
                if (stage.get(j) instanceof Sized && scenes.get(i).free() > 0) {
                    options.set(j, options.get(j).withFill(dim, allocation.scenes().get(i)));
                }
            }
        }

        List<Planned> planned = new ArrayList<>();
        for (int j = 0; j < stage.size(); j++) {
            Manifest.Entry entry = entries.get(j);
            Object s = stage.get(j);
            if (s instanceof String error) {
                planned.add(new Planned(entry, null, null, error));
                continue;
            }
            try {
                if (s instanceof JobSpec spec) {
                    planned.add(new Planned(entry, spec, finish(spec.plan(), spec), null));
                } else {
                    Sized sized = (Sized) s;
                    ScenePlan plan = builder.build(sized.group(), options.get(j)).plan();
                    planned.add(new Planned(entry, sized.spec(), finish(plan, sized.spec()), null));
                }
            } catch (UserInputException e) {
                planned.add(new Planned(entry, null, null, e.getMessage()));
            }
        }
        return new Result(List.copyOf(planned), batchTargets);
    }

    /** The job's model and LoRAs written into the plan, so that the plan alone redraws the image. */
    private static ScenePlan finish(ScenePlan plan, JobSpec spec) {
        List<Region> regions = plan.regions();
        if (!spec.loras().isEmpty()) {
            regions = regions.stream().map(r -> {
                List<LoraRef> loras = new ArrayList<>(r.loras());
                loras.addAll(spec.loras());
                return r.withLoras(loras);
            }).toList();
        }
        String model = spec.model() != null ? spec.model() : plan.model();
        ScenePlan finished = plan.withModel(model, plan.loras()).withRegions(regions);
        PlanValidator.validate(finished);
        return finished;
    }
}
