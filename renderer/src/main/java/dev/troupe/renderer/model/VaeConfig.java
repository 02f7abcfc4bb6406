package dev.troupe.renderer.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code vae_decoder/config.json}: the latent geometry.
 *
 * @param latentChannels C, the channels of the latent the UNet denoises (4 for SD)
 * @param scalingFactor  latents are divided by this before decoding (0.18215 for SD 1.x/2.x)
 * @param upscaleFactor  pixels per latent pixel when the config states it (absent in SD exports, where it is found
 *                       by decoding a small latent)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record VaeConfig(
        @JsonProperty("latent_channels") Integer latentChannels,
        @JsonProperty("scaling_factor") Double scalingFactor,
        @JsonProperty("upscale_factor") Integer upscaleFactor) {

    public VaeConfig {
        // diffusers' AutoencoderKL default; SD 1.x/2.x configs state it anyway.
        scalingFactor = scalingFactor == null ? 0.18215 : scalingFactor;
    }
}
