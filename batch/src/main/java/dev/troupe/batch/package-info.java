/**
 * Batch production: many scenes from one manifest, with attribute quotas that hold over the whole batch. The folders
 * follow the data, each using only the ones before it:
 * <ol>
 *   <li>{@code manifest/}: the jobs as the user wrote them (YAML or JSONL; {@code Manifest}, {@code JobSpec},
 *       {@code JobNames});</li>
 *   <li>{@code plan/}: every job planned on one machine, so that the quotas are shared out over all of it
 *       ({@code BatchPlanner}), and the share of a shard ({@code Shard});</li>
 *   <li>{@code run/}: the jobs drawn by a pool of workers, resumable ({@code BatchRunner}, {@code BatchProgress});</li>
 *   <li>{@code output/}: what a drawn plan becomes, for a batch job and for {@code troupe render} alike (the image with
 *       its plan and parameters, the plan, the boxes overlay, written as one set: {@code SceneOutputs});</li>
 *   <li>{@code store/}: where the files go, each write all or nothing ({@code BatchStore}: a local folder here, Hadoop
 *       in the spark module);</li>
 *   <li>{@code report/}: index, report, distribution chart and contact sheet ({@code BatchReport},
 *       {@code BatchCharts}).</li>
 * </ol>
 * {@code command/} is what {@code troupe} and the Spark job share on the command line: the picocli option mixins
 * ({@code RenderOptions}, {@code ModelOptions}, {@code RuntimeOptions}, {@code PlannerOptions}, {@code BatchOptions}),
 * {@code troupe batch} itself ({@code BatchCommand}, mounted by the app), exit codes and error handling
 * ({@code ExitCodes}, {@code CommandErrors}) and the version. They live here, not in the app, so that the Spark job jar
 * needs nothing of the app (its studio server, its other commands).
 */
package dev.troupe.batch;
