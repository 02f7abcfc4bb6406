package dev.troupe.composer.window;

import dev.troupe.renderer.UNet;

import java.util.List;

/**
 * Windows of one shape that run through one UNet session (one LoRA set): one batch per step.
 *
 * @param height the windows' height in latent pixels
 * @param width  the windows' width in latent pixels
 */
public record WindowGroup(int height, int width, UNet unet, List<PromptWindow> windows) {

    public WindowGroup {
        windows = List.copyOf(windows);
    }
}
