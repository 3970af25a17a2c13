package io.simforge.datasets.emoji;

import com.github.weisj.jsvg.SVGDocument;
import com.github.weisj.jsvg.parser.LoaderContext;
import com.github.weisj.jsvg.parser.SVGLoader;
import com.github.weisj.jsvg.view.ViewBox;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageIO;

/**
 * Draws emoji onto a white square: SVG documents with JSVG (anti-aliased, pure-stroke geometry, quality
 * rendering), PNG images composited over white and resized with bicubic interpolation. Single-threaded Java2D
 * and ImageIO's PNG writer (no time stamp) make the bytes the same on every run with the same JDK.
 */
public final class EmojiRasterizer {
    private final int size;
    private final SVGLoader loader = new SVGLoader();

    /** A rasteriser for {@code size}×{@code size} images. */
    public EmojiRasterizer(int size) {
        if (size < 8 || size > 1024) {
            throw new IllegalArgumentException("image size must be 8–1024 pixels, got " + size);
        }
        this.size = size;
    }

    public int size() {
        return size;
    }

    /**
     * Renders a complete SVG document, scaled to fit the square and centred (the SVG default,
     * {@code xMidYMid meet}), on white.
     *
     * @throws IllegalArgumentException when JSVG cannot parse the document
     */
    public BufferedImage renderSvg(String svg) {
        SVGDocument doc = loader.load(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)), null,
                LoaderContext.createDefault());
        if (doc == null) {
            throw new IllegalArgumentException("the SVG could not be parsed");
        }
        BufferedImage img = whiteCanvas();
        Graphics2D g = quality(img.createGraphics());
        try {
            doc.render(null, g, new ViewBox(0, 0, size, size));
        } finally {
            g.dispose();
        }
        return img;
    }

    /**
     * Composites an image (PNG bytes, any size, with or without alpha) over white at the rasteriser's size.
     *
     * @throws IOException when the bytes are not a readable image
     */
    public BufferedImage renderBitmap(byte[] png) throws IOException {
        BufferedImage src = ImageIO.read(new ByteArrayInputStream(png));
        if (src == null) {
            throw new IOException("not a readable PNG image");
        }
        BufferedImage img = whiteCanvas();
        Graphics2D g = quality(img.createGraphics());
        try {
            g.drawImage(src, 0, 0, size, size, null);
        } finally {
            g.dispose();
        }
        return img;
    }

    /** PNG bytes of an image (RGB, no metadata). */
    public static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        if (!ImageIO.write(img, "png", out)) {
            throw new IOException("the JDK has no PNG writer");
        }
        return out.toByteArray();
    }

    private BufferedImage whiteCanvas() {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, size, size);
        g.dispose();
        return img;
    }

    private static Graphics2D quality(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setRenderingHint(RenderingHints.KEY_COLOR_RENDERING, RenderingHints.VALUE_COLOR_RENDER_QUALITY);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.setRenderingHint(RenderingHints.KEY_ALPHA_INTERPOLATION, RenderingHints.VALUE_ALPHA_INTERPOLATION_QUALITY);
        return g;
    }
}
