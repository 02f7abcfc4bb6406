package dev.troupe.renderer.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A LoRA safetensors file grouped into modules: one (down, up, alpha) triple per targeted Linear or Conv.
 *
 * <p>Key formats:
 * <ul>
 *   <li>kohya / A1111: {@code lora_unet_<flat>}, {@code lora_te_<flat>} (also {@code lora_te1_}) or, for SDXL's
 *       second text encoder, {@code lora_te2_<flat>} +
 *       {@code .lora_down.weight} ({@code [r, in]} or LoCon {@code [r, in, kh, kw]}), {@code .lora_up.weight}
 *       ({@code [out, r]} or {@code [out, r, 1, 1]}) and {@code .alpha} (scalar). {@code <flat>} is the module path
 *       with '.' replaced by '_', matched later by {@link ModuleLookup} forward from the model's real names.</li>
 *   <li>diffusers / PEFT: {@code unet.<module>}, {@code text_encoder.<module>} or {@code text_encoder_2.<module>} +
 *       {@code .lora_A.weight} (down) and
 *       {@code .lora_B.weight} (up), or the older {@code .lora.down.weight} / {@code .lora.up.weight}. Alpha from an
 *       {@code .alpha} tensor, else {@code adapter_config.json} beside the file ({@code alpha_pattern}, then
 *       {@code lora_alpha}), else {@code __metadata__} ({@code lora_adapter_metadata} JSON with
 *       {@code <component>.lora_alpha}, or {@code lora_alpha}); none of those: scale 1.</li>
 * </ul>
 */
public final class LoraFile implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The pipeline model a module belongs to: the UNet, the (first) text encoder, SDXL's second text encoder. */
    public enum Component {
        UNET("unet."), TEXT_ENCODER("text_encoder."), TEXT_ENCODER_2("text_encoder_2.");

        /** The component's prefix in diffusers' key names and in PEFT's adapter metadata. */
        final String peftPrefix;

        Component(String peftPrefix) {
            this.peftPrefix = peftPrefix;
        }
    }

    /** How the module names its target. */
    public enum Naming {
        /** {@code name} is the module path with '.' replaced by '_'. */
        KOHYA,
        /** {@code name} is the module path itself. */
        PEFT
    }

    /**
     * One LoRA module. {@code component} is null for a prefix this renderer has no model for (e.g. a refiner's);
     * {@code downKey}/{@code upKey} are null when the file lacks that half.
     */
    public record Module(String stem, Component component, Naming naming, String name, String downKey,
                         String upKey, String alphaKey) {
        /** The file's keys that belong to this module, for reports. */
        public List<String> keys() {
            List<String> keys = new ArrayList<>();
            for (String k : new String[] {downKey, upKey, alphaKey}) {
                if (k != null) {
                    keys.add(k);
                }
            }
            return keys;
        }
    }

    private enum Role { DOWN, UP, ALPHA }

    private static final String[][] SUFFIXES = {
            {".lora_down.weight", "DOWN"}, {".lora_up.weight", "UP"},
            {".lora_A.weight", "DOWN"}, {".lora_B.weight", "UP"},
            {".lora.down.weight", "DOWN"}, {".lora.up.weight", "UP"},
            {".alpha", "ALPHA"},
    };

    private final SafetensorsFile file;
    private final List<Module> modules;
    private final List<String> strayKeys;
    private final JsonNode adapterConfig;

    private LoraFile(SafetensorsFile file, List<Module> modules, List<String> strayKeys, JsonNode adapterConfig) {
        this.file = file;
        this.modules = modules;
        this.strayKeys = strayKeys;
        this.adapterConfig = adapterConfig;
    }

    public static LoraFile open(Path path) {
        SafetensorsFile file = SafetensorsFile.open(path);
        try {
            Map<String, String[]> byStem = new LinkedHashMap<>(); // stem -> [down, up, alpha]
            List<String> stray = new ArrayList<>();
            for (String key : file.tensors().keySet()) {
                String stem = null;
                Role role = null;
                for (String[] s : SUFFIXES) {
                    if (key.endsWith(s[0]) && key.length() > s[0].length()) {
                        stem = key.substring(0, key.length() - s[0].length());
                        role = Role.valueOf(s[1]);
                        break;
                    }
                }
                if (stem == null) {
                    stray.add(key); // LoHa/LoKr/DoRA parts and anything else we cannot merge as plain LoRA
                    continue;
                }
                byStem.computeIfAbsent(stem, k -> new String[3])[role.ordinal()] = key;
            }
            List<Module> modules = new ArrayList<>();
            for (Map.Entry<String, String[]> e : byStem.entrySet()) {
                modules.add(classify(e.getKey(), e.getValue()));
            }
            return new LoraFile(file, Collections.unmodifiableList(modules), Collections.unmodifiableList(stray),
                    readAdapterConfig(path));
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static Module classify(String stem, String[] keys) {
        String[][] prefixes = {
                {"lora_unet_", "UNET", "KOHYA"}, {"lora_te_", "TEXT_ENCODER", "KOHYA"},
                {"lora_te1_", "TEXT_ENCODER", "KOHYA"}, {"lora_te2_", "TEXT_ENCODER_2", "KOHYA"},
                {"unet.", "UNET", "PEFT"}, {"text_encoder.", "TEXT_ENCODER", "PEFT"},
                {"text_encoder_2.", "TEXT_ENCODER_2", "PEFT"},
        };
        for (String[] p : prefixes) {
            if (stem.startsWith(p[0])) {
                return new Module(stem, Component.valueOf(p[1]), Naming.valueOf(p[2]),
                        stem.substring(p[0].length()), keys[0], keys[1], keys[2]);
            }
        }
        Naming naming = stem.startsWith("lora_") ? Naming.KOHYA : Naming.PEFT;
        return new Module(stem, null, naming, stem, keys[0], keys[1], keys[2]);
    }

    private static JsonNode readAdapterConfig(Path path) {
        Path parent = path.toAbsolutePath().getParent();
        Path config = parent == null ? null : parent.resolve("adapter_config.json");
        if (config == null || !Files.isRegularFile(config)) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(config.toFile());
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            throw new LoraException("Cannot read " + config + " (the PEFT adapter config beside LoRA " + path
                    + "): " + e.getMessage() + ". Fix or remove it.", e);
        }
    }

    public Path path() {
        return file.path();
    }

    public List<Module> modules() {
        return modules;
    }

    /** Keys that belong to no LoRA module (e.g. LoHa or DoRA tensors). */
    public List<String> strayKeys() {
        return strayKeys;
    }

    public Map<String, String> metadata() {
        return file.metadata();
    }

    /** {@code lora_down} / {@code lora_A} as {@code [r, rest]} row-major floats, with its shape. */
    float[] down(Module m) {
        return file.readFloats(m.downKey());
    }

    float[] up(Module m) {
        return file.readFloats(m.upKey());
    }

    long[] shape(String key) {
        return file.tensors().get(key).shape();
    }

    /**
     * The module's alpha, or NaN when the file gives none (the merge then uses alpha = rank, scale 1).
     *
     * @param modulePath the resolved module path, for {@code alpha_pattern} of a PEFT adapter config
     */
    float alpha(Module m, String modulePath) {
        float alpha = declaredAlpha(m, modulePath);
        if (Float.isInfinite(alpha)) {
            throw new LoraException("LoRA file " + path() + " gives module " + m.stem() + " an infinite alpha; "
                    + "fix its alpha (usually the rank, e.g. 8)");
        }
        return alpha;
    }

    private float declaredAlpha(Module m, String modulePath) {
        if (m.alphaKey() != null) {
            if (shapeElements(shape(m.alphaKey())) != 1) {
                throw new LoraException("LoRA file " + path() + " has alpha '" + m.alphaKey()
                        + "' that is not a single number");
            }
            return file.readFloats(m.alphaKey())[0];
        }
        if (m.naming() != Naming.PEFT) {
            return Float.NaN;
        }
        if (adapterConfig != null) {
            JsonNode patterns = adapterConfig.get("alpha_pattern");
            if (patterns != null && patterns.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = patterns.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> p = it.next();
                    if ((modulePath.equals(p.getKey()) || modulePath.endsWith("." + p.getKey()))
                            && p.getValue().isNumber()) {
                        return p.getValue().floatValue();
                    }
                }
            }
            JsonNode alpha = adapterConfig.get("lora_alpha");
            if (alpha != null && alpha.isNumber()) {
                return alpha.floatValue();
            }
        }
        String packed = file.metadata().get("lora_adapter_metadata");
        if (packed != null) {
            try {
                JsonNode node = JSON.readTree(packed);
                String prefix = m.component() == null ? "unet." : m.component().peftPrefix;
                for (String key : new String[] {prefix + "lora_alpha", "lora_alpha"}) {
                    JsonNode alpha = node == null ? null : node.get(key);
                    if (alpha != null && alpha.isNumber()) {
                        return alpha.floatValue();
                    }
                }
            } catch (IOException e) {
                throw new LoraException("LoRA file " + path() + " has __metadata__ lora_adapter_metadata that is"
                        + " not JSON: " + e.getMessage(), e);
            }
        }
        String plain = file.metadata().get("lora_alpha");
        if (plain != null) {
            try {
                float alpha = Float.parseFloat(plain.trim());
                if (!Float.isFinite(alpha)) {
                    throw new NumberFormatException("not finite");
                }
                return alpha;
            } catch (NumberFormatException e) {
                throw new LoraException("LoRA file " + path() + " has __metadata__ lora_alpha '" + plain
                        + "' that is not a number");
            }
        }
        return Float.NaN;
    }

    static long shapeElements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public void close() {
        file.close();
    }
}
