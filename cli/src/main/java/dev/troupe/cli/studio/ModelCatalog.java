package dev.troupe.cli.studio;

import dev.troupe.scene.LoraRef;
import dev.troupe.scene.Region;
import dev.troupe.scene.ScenePlan;
import dev.troupe.scene.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The models and LoRAs the studio may use: model folders (those holding model_index.json) directly under the
 * configured model folders, and .safetensors files directly in the configured LoRA folders. A plan names them by
 * their bare names; nothing else on disk can be reached through a plan.
 */
final class ModelCatalog {

    private static final Pattern BARE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Map<String, Path> models = new LinkedHashMap<>();
    private final Map<String, Path> loras = new LinkedHashMap<>();

    ModelCatalog(List<Path> modelFolders, List<Path> loraFolders) {
        for (Path folder : modelFolders) {
            for (Path dir : list(folder)) {
                if (Files.isRegularFile(dir.resolve("model_index.json"))) {
                    models.putIfAbsent(dir.getFileName().toString(), dir);
                }
            }
        }
        for (Path folder : loraFolders) {
            for (Path file : list(folder)) {
                String name = file.getFileName().toString();
                if (name.endsWith(".safetensors") && Files.isRegularFile(file)) {
                    loras.putIfAbsent(name, file);
                }
            }
        }
        if (models.isEmpty()) {
            throw new UserInputException("no model found in " + modelFolders + "; point --models at a folder that "
                    + "holds model folders (each with model_index.json), e.g. --models models");
        }
    }

    private static List<Path> list(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.sorted().toList();
        } catch (IOException e) {
            throw new UserInputException("cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    List<String> modelNames() {
        return List.copyOf(models.keySet());
    }

    List<String> loraNames() {
        return List.copyOf(loras.keySet());
    }

    /** "embedded" when the catalogue has it, else the first model. */
    String defaultModel() {
        return models.containsKey("embedded") ? "embedded" : models.keySet().iterator().next();
    }

    /** The folder of the plan's model. @throws ApiException 400 on field "model" */
    Path model(String name) {
        Path folder = name != null && BARE_NAME.matcher(name).matches() ? models.get(name) : null;
        if (folder == null) {
            throw ApiException.field(400, "model", "unknown model '" + name + "'; the studio draws with "
                    + String.join(", ", models.keySet()) + " (folders given with --models)");
        }
        return folder;
    }

    /**
     * The plan with every LoRA name replaced by its file in a LoRA folder, for drawing.
     *
     * @throws ApiException 400 naming the region's LoRA field
     */
    ScenePlan resolveLoras(ScenePlan plan) {
        List<Region> regions = new ArrayList<>();
        List<ApiException.FieldError> errors = new ArrayList<>();
        for (int i = 0; i < plan.regions().size(); i++) {
            Region r = plan.regions().get(i);
            List<LoraRef> refs = new ArrayList<>();
            for (int k = 0; k < r.loras().size(); k++) {
                LoraRef ref = r.loras().get(k);
                Path file = BARE_NAME.matcher(ref.file()).matches() ? loras.get(ref.file()) : null;
                if (file == null) {
                    errors.add(new ApiException.FieldError("regions[" + i + "].loras[" + k + "].file",
                            "unknown LoRA '" + ref.file() + "'; choose one of "
                                    + (loras.isEmpty() ? "none (no --loras folder has any)" : String.join(", ", loras.keySet()))));
                } else {
                    refs.add(new LoraRef(file.toAbsolutePath().toString(), ref.weight()));
                }
            }
            regions.add(r.withLoras(refs));
        }
        if (!errors.isEmpty()) {
            throw new ApiException(400, errors.get(0).field() + ": " + errors.get(0).message(), errors);
        }
        return plan.withRegions(regions);
    }
}
