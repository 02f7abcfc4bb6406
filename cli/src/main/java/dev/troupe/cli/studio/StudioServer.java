package dev.troupe.cli.studio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.troupe.batch.command.RenderOptions;
import dev.troupe.cli.PlanningOptions;
import dev.troupe.composer.memory.MemoryCheck;
import dev.troupe.composer.memory.SceneMemory;
import dev.troupe.planner.PlanBuilder;
import dev.troupe.planner.PlanResult;
import dev.troupe.renderer.model.ModelDirectory;
import dev.troupe.renderer.model.SchedulerConfig;
import dev.troupe.renderer.onnx.AvailableMemory;
import dev.troupe.renderer.onnx.SessionFactory;
import dev.troupe.renderer.scheduler.Sampler;
import dev.troupe.scene.JsonErrors;
import dev.troupe.scene.PlanException;
import dev.troupe.scene.PlanJson;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.sse.SseClient;
import io.javalin.http.staticfiles.Location;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * {@code troupe studio}'s web server: the page (static HTML and ES modules from the class path) and its JSON API.
 *
 * <pre>
 *   GET    /api/options              models, LoRAs, planner, samplers, limits
 *   POST   /api/plan                 {request, seed?, count?, layout?, size?, profile?, maxOverlap?, mix?, set?} -> {plan}
 *   POST   /api/validate             {plan} -> {ok, plan} or 400 {error, errors: [{field, message}]}
 *   POST   /api/renders              {plan, steps?, cfg?, sampler?, mode?, name?} -> 202 job; 429 when the queue is full
 *   GET    /api/renders              the output folder's renders, newest first, with their plans
 *   GET    /api/jobs/{id}            a job: state, phase, region, step/steps, done/total, ETA, files when done
 *   DELETE /api/jobs/{id}            cancels a job
 *   GET    /api/jobs/{id}/events     the same as server-sent events: progress..., then done | failed | cancelled
 *   GET    /api/files/{name}         NAME.png, NAME.plan.json or NAME.boxes.png from the output folder, nothing else
 * </pre>
 * Writes (POST, DELETE) must be JSON from a page of this server's own origin (scheme, host and port), so another web
 * site open in the same browser, or another local server's page, cannot drive the studio; the Host header must name
 * an address or name the bound interface serves ({@link StudioHosts}), which stops DNS rebinding.
 */
public final class StudioServer implements AutoCloseable {

    /** Where the page lives on the class path (copied there from src/main/web unfiltered). */
    static final String WEB_ROOT = "/dev/troupe/cli/studio/web";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);
    private static final int HISTORY = 60;

    /**
     * @param output          the only folder the API reads and writes
     * @param planner         plans requests (the rule planner or the configured LLM)
     * @param plannerName     what the page says plans its requests
     * @param queueCapacity   renders that may wait per model besides the one being drawn
     * @param maxRequestBytes the largest request body accepted (HTTP 413 beyond)
     * @param loraBudgetBytes memory for per-region LoRA sessions, per model
     */
    public record Config(Path output, List<Path> modelFolders, List<Path> loraFolders, PlanBuilder planner,
                         String plannerName, SessionFactory sessions, int queueCapacity, long maxRequestBytes,
                         long loraBudgetBytes) {
    }

    /** What a plan request may hold: the flags of {@code troupe plan}. */
    record PlanRequest(String request, Long seed, Integer count, String layout, String size, String profile,
                       Double maxOverlap, List<String> mix, List<String> set) {
    }

    /** What a render request may hold: a plan and the flags of {@code troupe render} the page offers. */
    record RenderRequest(JsonNode plan, Integer steps, Double cfg, String sampler, String mode, String name,
                         Boolean verify) {
    }

    record ValidateRequest(JsonNode plan) {
    }

    private final Config config;
    private final OutputFolder output;
    private final ModelCatalog catalog;
    private final RenderJobs jobs;
    private final Javalin app;
    private final Object planning = new Object();
    private final StudioHosts hosts;

    private StudioServer(Config config, String host) {
        this.config = config;
        this.hosts = StudioHosts.of(host);
        this.output = new OutputFolder(config.output());
        this.catalog = new ModelCatalog(config.modelFolders(), config.loraFolders());
        this.jobs = new RenderJobs(config.sessions(), config.queueCapacity(), config.loraBudgetBytes());
        this.app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.http.maxRequestSize = config.maxRequestBytes();
            c.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = WEB_ROOT;
                files.location = Location.CLASSPATH;
                files.headers = Map.of("Cache-Control", "no-store");
            });
            c.routes.before(this::guard);
            c.routes.get("/api/options", this::options);
            c.routes.post("/api/plan", this::plan);
            c.routes.post("/api/validate", this::validate);
            c.routes.post("/api/renders", this::submit);
            c.routes.get("/api/renders", this::history);
            c.routes.get("/api/jobs/{id}", ctx -> json(ctx, 200, job(ctx).snapshot()));
            c.routes.delete("/api/jobs/{id}", ctx -> {
                RenderJob job = job(ctx);
                job.cancel();
                json(ctx, 200, job.snapshot());
            });
            c.routes.sse("/api/jobs/{id}/events", this::events);
            c.routes.get("/api/files/{name}", this::file);
            c.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e));
            c.routes.exception(PlanException.class, (e, ctx) -> error(ctx, PlanErrors.of(e, null)));
            c.routes.exception(UserInputException.class, (e, ctx) -> error(ctx, ApiException.field(400, "", e.getMessage())));
            c.routes.exception(HttpResponseException.class, (e, ctx) ->
                    error(ctx, ApiException.field(e.getStatus(), "", e.getMessage())));
            c.routes.exception(Exception.class, (e, ctx) -> error(ctx, ApiException.field(500, "",
                    "internal error: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()))));
            c.routes.error(404, "application/json", ctx -> {
                if (ctx.result() == null) {
                    error(ctx, ApiException.field(404, "", "no such page or API: " + ctx.path()));
                }
            });
        });
    }

    /** Starts the studio on {@code host:port} (port 0: any free port). */
    public static StudioServer start(Config config, String host, int port) {
        StudioServer server = new StudioServer(config, host);
        try {
            server.app.start(host, port);
        } catch (RuntimeException e) {
            server.jobs.close();
            throw new UserInputException("cannot serve the studio on " + host + ":" + port + " ("
                    + rootMessage(e) + "); choose another --port or --host", e);
        }
        return server;
    }

    public int port() {
        return app.port();
    }

    /** The page's addresses: loopback first, then those other machines can reach (for --host 0.0.0.0, each interface's). */
    public List<String> urls() {
        return hosts.urls(port());
    }

    /** Whether only this machine can reach the studio. */
    public boolean loopbackOnly() {
        return hosts.loopbackOnly();
    }

    public Path outputFolder() {
        return output.root();
    }

    @Override
    public void close() {
        jobs.close();
        app.stop();
    }

    private void guard(Context ctx) {
        String host = ctx.header("Host");
        if (host == null || !hosts.serves(host)) {
            throw ApiException.field(403, "", "this studio answers only at " + String.join(" ", urls())
                    + (host == null ? ", to requests that name it in a Host header" : ", not at " + host));
        }
        String method = ctx.method().name();
        if (ctx.path().startsWith("/api/") && (method.equals("POST") || method.equals("DELETE"))) {
            String origin = ctx.header("Origin");
            if (origin != null && !StudioHosts.sameOrigin(origin, host)) {
                throw ApiException.field(403, "", "requests from " + origin + " are refused; use the studio's own page");
            }
            if (method.equals("POST") && !String.valueOf(ctx.contentType()).startsWith("application/json")) {
                throw ApiException.field(415, "", "send the request body as JSON (Content-Type: application/json)");
            }
        }
    }

    private void options(Context ctx) {
        ObjectNode o = JSON.createObjectNode();
        o.set("models", JSON.valueToTree(catalog.modelNames()));
        o.put("defaultModel", catalog.defaultModel());
        o.set("loras", JSON.valueToTree(catalog.loraNames()));
        o.put("planner", config.plannerName());
        o.set("profiles", JSON.valueToTree(List.of("embedded", "sd15")));
        o.set("layouts", JSON.valueToTree(List.of("row", "rows", "grid", "arc")));
        o.set("samplers", JSON.valueToTree(Arrays.stream(Sampler.values()).map(Sampler::cliName).toList()));
        o.set("modes", JSON.valueToTree(List.of("joint", "composite")));
        o.put("queueCapacity", config.queueCapacity());
        o.put("maxRequestBytes", config.maxRequestBytes());
        json(ctx, 200, o);
    }

    private void plan(Context ctx) {
        PlanRequest r = read(ctx, PlanRequest.class);
        if (r.request() == null || r.request().isBlank()) {
            throw ApiException.field(400, "request", "type a request, e.g. \"a team of 5 people in a park\"");
        }
        PlanResult result;
        try {
            synchronized (planning) { // an LLM planner keeps a cache and one client; plans are quick
                result = PlanningOptions.plan(config.planner(), r.request(), r.seed(), r.count(), r.mix(), r.set(),
                        blankToNull(r.layout()), blankToNull(r.size()), blankToNull(r.profile()), r.maxOverlap());
            }
        } catch (PlanException e) {
            throw PlanErrors.of(e, null);
        } catch (UserInputException e) {
            throw ApiException.field(400, "request", e.getMessage());
        }
        ScenePlan plan = result.plan();
        try {
            catalog.model(plan.model());
        } catch (ApiException e) { // the planner's model is not one the studio has: draw with the default
            plan = plan.withModel(catalog.defaultModel(), plan.loras());
        }
        ObjectNode o = JSON.createObjectNode();
        o.set("plan", tree(plan));
        o.set("targets", JSON.valueToTree(result.targets()));
        o.set("notices", JSON.valueToTree(result.notices()));
        json(ctx, 200, o);
    }

    private void validate(Context ctx) {
        ValidateRequest r = read(ctx, ValidateRequest.class);
        ScenePlan plan = checkedPlan(r.plan());
        Path model = catalog.model(plan.model());
        checkMemory(model, ModelDirectory.open(model), plan, "joint", null);
        ObjectNode o = JSON.createObjectNode();
        o.put("ok", true);
        o.set("plan", tree(plan));
        json(ctx, 200, o);
    }

    private void submit(Context ctx) {
        RenderRequest r = read(ctx, RenderRequest.class);
        ScenePlan plan = checkedPlan(r.plan());
        Path model = catalog.model(plan.model());
        ScenePlan drawn = catalog.resolveLoras(plan);
        String cfgProblem = r.cfg() == null ? null : RenderOptions.cfgProblem(r.cfg());
        if (cfgProblem != null) {
            throw ApiException.field(400, "cfg", cfgProblem);
        }
        String sampler = blankToNull(r.sampler());
        ModelDirectory dir = ModelDirectory.open(model);
        SchedulerConfig schedule = dir.schedulerConfig();
        Sampler chosen;
        try {
            chosen = RenderOptions.sampler(sampler, schedule);
        } catch (UserInputException e) {
            throw ApiException.field(400, "sampler", e.getMessage());
        }
        String stepsProblem = r.steps() == null ? null : RenderOptions.stepsProblem(r.steps(), chosen, schedule);
        if (stepsProblem != null) {
            throw ApiException.field(400, "steps", stepsProblem);
        }
        String mode = blankToNull(r.mode());
        if (mode != null && !List.of("joint", "composite").contains(mode)) {
            throw ApiException.field(400, "mode", "must be joint or composite, got '" + mode + "'");
        }
        checkMemory(model, dir, plan, mode == null ? "joint" : mode, r.cfg());
        String id = jobs.nextId();
        String name = blankToNull(r.name());
        if (name == null) {
            name = "scene-" + LocalDateTime.now().format(STAMP) + "-" + id;
        }
        var outputs = output.outputs(name);
        if (Files.exists(outputs.image()) || Files.exists(outputs.plan())) {
            throw ApiException.field(409, "name", "a render called '" + name + "' exists already; choose another name");
        }
        RenderJob job = new RenderJob(id, name, plan, drawn, new RenderJob.Choices(r.steps(), r.cfg(), sampler, mode,
                Boolean.TRUE.equals(r.verify())),
                outputs);
        jobs.submit(model, job);
        json(ctx, 202, job.snapshot());
    }

    private void history(Context ctx) throws IOException {
        ArrayNode list = JSON.createArrayNode();
        for (String name : output.renders().stream().limit(HISTORY).toList()) {
            ObjectNode entry = list.addObject();
            entry.put("name", name);
            entry.put("image", name + ".png");
            entry.put("planFile", name + ".plan.json");
            entry.put("boxes", name + ".boxes.png");
            try {
                entry.set("plan", JSON.readTree(Files.readString(output.root().resolve(name + ".plan.json"))));
            } catch (JsonProcessingException e) {
                entry.putNull("plan"); // a plan edited by hand into something else: the image is still shown
            }
        }
        json(ctx, 200, list);
    }

    private RenderJob job(Context ctx) {
        return jobs.job(ctx.pathParam("id"))
                .orElseThrow(() -> ApiException.field(404, "", "no render job " + ctx.pathParam("id")));
    }

    private void events(SseClient client) {
        var job = jobs.job(client.ctx().pathParam("id"));
        if (job.isEmpty()) {
            client.sendEvent("failed", "{\"error\":\"no such render job\"}");
            client.close();
            return;
        }
        client.keepAlive();
        BiConsumer<String, Map<String, Object>> listener = new BiConsumer<>() {
            @Override
            public void accept(String event, Map<String, Object> snapshot) {
                if (client.terminated()) {
                    throw new IllegalStateException("stream closed");
                }
                client.sendEvent(event, toJson(snapshot));
                if (!event.equals("progress")) {
                    client.close();
                }
            }
        };
        client.onClose(() -> job.get().unlisten(listener));
        job.get().listen(listener);
    }

    private void file(Context ctx) throws IOException {
        String name = ctx.pathParam("name");
        Path file = output.file(name)
                .orElseThrow(() -> ApiException.field(404, "", "no file " + name + " in the studio's output folder"));
        ctx.header("Cache-Control", "no-store");
        ctx.contentType(name.endsWith(".json") ? "application/json" : "image/png");
        if (ctx.queryParam("download") != null) {
            ctx.header("Content-Disposition", "attachment; filename=\"" + name + "\"");
        }
        ctx.result(Files.readAllBytes(file));
    }

    /** The plan as the plan reader accepts it. @throws ApiException 400 with the problem's field */
    private ScenePlan checkedPlan(JsonNode planNode) {
        if (planNode == null || !planNode.isObject()) {
            throw ApiException.field(400, "plan", "send the plan as a JSON object, as 'troupe plan' writes it");
        }
        ScenePlan plan;
        try {
            plan = PlanJson.read(planNode.toString());
        } catch (PlanException e) {
            throw PlanErrors.of(e, planNode);
        }
        catalog.model(plan.model());
        catalog.resolveLoras(plan);
        return plan;
    }

    /** 400 when the plan, drawn so, is estimated to need more memory than the machine has available. */
    private void checkMemory(Path model, ModelDirectory dir, ScenePlan plan, String mode, Double cfg) {
        long available = AvailableMemory.bytes() + (jobs.loaded(model) ? SceneMemory.weights(dir) : 0);
        String problem = MemoryCheck.problem(dir, plan, RenderOptions.memorySettings(dir, mode, cfg, -1, 0), available);
        if (problem != null) {
            throw ApiException.field(400, "plan", problem);
        }
    }

    private <T> T read(Context ctx, Class<T> type) {
        String body = ctx.body();
        try {
            T value = JSON.readValue(body, type);
            if (value == null) {
                throw ApiException.field(400, "", "send a JSON object");
            }
            return value;
        } catch (JsonMappingException e) {
            String field = e.getPath().isEmpty() ? "" : String.valueOf(e.getPath().get(0).getFieldName());
            throw ApiException.field(400, field, "not understood: " + JsonErrors.describe(e));
        } catch (JsonProcessingException e) {
            throw ApiException.field(400, "", "the request is not valid JSON: " + JsonErrors.describe(e));
        }
    }

    private static JsonNode tree(ScenePlan plan) {
        try {
            return JSON.readTree(PlanJson.write(plan));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a written plan must read back", e);
        }
    }

    private static void error(Context ctx, ApiException e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", e.getMessage());
        o.set("errors", JSON.valueToTree(e.errors()));
        json(ctx, e.status(), o);
    }

    private static void json(Context ctx, int status, Object value) {
        ctx.status(status).contentType("application/json").result(toJson(value));
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.strip();
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
