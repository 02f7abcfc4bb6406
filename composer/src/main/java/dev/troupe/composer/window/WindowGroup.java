package dev.troupe.composer.window;

import dev.troupe.renderer.UNet;

import java.util.List;

/**
 * Windows of one shape that run through one UNet session (one LoRA set): one batch per step of its phase.
 *
 * @param height the windows' height in latent pixels
 * @param width  the windows' width in latent pixels
 * @param phase  the steps it runs at: all, the bootstrap steps only, or the steps after them (a background tile
 *               that regions cover differently in the two phases, {@link BackgroundTrim})
 */
public record WindowGroup(int height, int width, UNet unet, List<PromptWindow> windows, Phase phase) {

    /** Which steps of the loop a window runs at. */
    public enum Phase {
        ALL, BOOTSTRAP, AFTER_BOOTSTRAP;

        public boolean runsAt(boolean bootstrapping) {
            return this == ALL || (this == BOOTSTRAP) == bootstrapping;
        }
    }

    public WindowGroup {
        windows = List.copyOf(windows);
    }

    public boolean runsAt(boolean bootstrapping) {
        return phase.runsAt(bootstrapping);
    }
}
