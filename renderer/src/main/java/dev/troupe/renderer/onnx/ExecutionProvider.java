package dev.troupe.renderer.onnx;

import java.util.Locale;

/** Where ONNX Runtime runs the networks. CUDA needs the GPU build of ONNX Runtime (Maven profile {@code cuda}). */
public enum ExecutionProvider {
    CPU, CUDA;

    public static ExecutionProvider parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown provider \"" + name + "\"; choose cpu or cuda");
        }
    }
}
