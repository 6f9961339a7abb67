import Foundation

/// An image as the datasets keep it: 8-bit pixels, channel-major (planar: all of channel 0, then
/// channel 1, ...), rows top to bottom. One channel is grayscale, three are red, green, blue.
public struct PixelImage: Sendable, Equatable {
    public let channels: Int
    public let height: Int
    public let width: Int
    /// `channels × height × width` bytes, channel-major.
    public let planar: [UInt8]

    public init(channels: Int, height: Int, width: Int, planar: [UInt8]) {
        precondition(channels == 1 || channels == 3, "an image has 1 or 3 channels, got \(channels)")
        precondition(height > 0 && width > 0, "an image needs at least one pixel, got \(height)×\(width)")
        precondition(planar.count == channels * height * width,
                     "\(channels)×\(height)×\(width) pixels need \(channels * height * width) values, got \(planar.count)")
        self.channels = channels
        self.height = height
        self.width = width
        self.planar = planar
    }

    /// An image of Float values, channel-major, mapped linearly from `range` to 0...255 (values
    /// outside are clamped). With no `range`, the image's own minimum and maximum are used (per-image
    /// rescaling, as for weight tiles); a constant image comes out mid-grey. NaN becomes 0.
    public init(channels: Int, height: Int, width: Int, planar values: [Float], range: ClosedRange<Float>? = nil) {
        let finite = values.filter(\.isFinite)
        let low = range?.lowerBound ?? finite.min() ?? 0
        let high = range?.upperBound ?? finite.max() ?? 0
        let bytes: [UInt8] = values.map { value in
            guard !value.isNaN else { return 0 }
            guard high > low else { return 128 }
            let scaled = (Double(value) - Double(low)) / (Double(high) - Double(low)) * 255
            return UInt8(Swift.min(255, Swift.max(0, scaled.rounded())))
        }
        self.init(channels: channels, height: height, width: width, planar: bytes)
    }

    /// The pixels interleaved (RGBRGB... for colour), as PNG stores them.
    public func interleaved() -> [UInt8] {
        guard channels > 1 else { return planar }
        let plane = height * width
        var pixels = [UInt8](repeating: 0, count: planar.count)
        for index in 0..<plane {
            for channel in 0..<channels {
                pixels[index * channels + channel] = planar[channel * plane + index]
            }
        }
        return pixels
    }

    /// The image as a PNG file.
    public func pngData() -> [UInt8] {
        PNG.encode(width: width, height: height, colorType: channels == 1 ? .grayscale : .rgb, pixels: interleaved())
    }

    /// The image as a `data:image/png;base64,...` URI.
    public var dataURI: String { "data:image/png;base64," + Data(pngData()).base64EncodedString() }
}

/// A grid of image tiles with captions, each an `<image class="tile">` holding a PNG `data:` URI, so
/// the chart needs no other file. Small images are enlarged by the browser with
/// `image-rendering: pixelated`, not in the PNG.
///
/// Tiles marked as wrong (misclassified) get a vermillion border (`<rect class="tile-wrong">`) and a
/// two-line caption "pred: … / true: …".
public struct ImageGrid: Sendable {
    /// One image and its caption lines.
    public struct Tile: Sendable, Equatable {
        public var image: PixelImage
        /// Up to two lines under the image.
        public var caption: [String]
        /// Draws the tile as wrong (misclassified).
        public var isMarked: Bool
        public init(image: PixelImage, caption: [String], isMarked: Bool = false) {
            self.image = image
            self.caption = caption
            self.isMarked = isMarked
        }
    }

    public var title: String
    public var tiles: [Tile]
    /// The shown size of each image in pixels (its longer side); nil picks the largest whole multiple of
    /// the image size up to 72 (or 96 for larger images, shrunk).
    public var tileSize: Double?
    /// A note under the title, e.g. what the border means.
    public var note: String?

    public init(title: String, tiles: [Tile], tileSize: Double? = nil, note: String? = nil) {
        self.title = title
        self.tiles = tiles
        self.tileSize = tileSize
        self.note = note
    }

    /// Sample images captioned with their labels.
    public static func samples(title: String, images: [PixelImage], labels: [String]) -> ImageGrid {
        let tiles = images.indices.map { Tile(image: images[$0], caption: $0 < labels.count ? [labels[$0]] : []) }
        return ImageGrid(title: title, tiles: tiles)
    }

    /// Sample predictions: correct ones captioned with the class, wrong ones marked and captioned
    /// "pred: … / true: …".
    public static func predictions(title: String, images: [PixelImage], predicted: [String], actual: [String]) -> ImageGrid {
        var wrong = 0
        let tiles = images.indices.map { index -> Tile in
            let guess = index < predicted.count ? predicted[index] : "?"
            let truth = index < actual.count ? actual[index] : "?"
            if guess == truth { return Tile(image: images[index], caption: [truth]) }
            wrong += 1
            return Tile(image: images[index], caption: ["pred: \(guess)", "true: \(truth)"], isMarked: true)
        }
        return ImageGrid(title: title, tiles: tiles,
                         note: "\(wrong) of \(images.count) misclassified (red border, “pred” and “true” captions)")
    }

    /// The incoming weights of a layer's units drawn as images, one tile per unit, each rescaled
    /// to 0...255 over its own minimum and maximum.
    ///
    /// - Parameters:
    ///   - weights: one row per input, one column per unit (a dense layer's layout), with
    ///     `channels × height × width` rows in the datasets' channel-major pixel order.
    ///   - maxTiles: at most this many units, the first ones.
    public static func weightTiles(
        title: String, weights: [[Float]], channels: Int, height: Int, width: Int, maxTiles: Int = 64
    ) -> ImageGrid {
        precondition(weights.count == channels * height * width,
                     "\(weights.count) weight rows do not match \(channels)×\(height)×\(width) images")
        let units = weights.first?.count ?? 0
        let shown = Swift.min(units, Swift.max(0, maxTiles))
        let tiles = (0..<shown).map { unit -> Tile in
            let column = weights.map { $0[unit] }
            return Tile(image: PixelImage(channels: channels, height: height, width: width, planar: column),
                        caption: ["unit \(unit)"])
        }
        let note = "each tile scaled from its own minimum (black) to maximum (white)"
            + (shown < units ? "; first \(shown) of \(units) units" : "")
        return ImageGrid(title: title, tiles: tiles, note: note)
    }

    /// The chart as a standalone `<svg>` element.
    public func svg() -> String {
        var canvas = SVGCanvas()
        let padding = ChartMetrics.padding
        var top = canvas.title(title)
        if let note { top = canvas.subtitle(note, y: top) }
        top += 8
        guard !tiles.isEmpty else {
            canvas.noData(centerX: ChartMetrics.width / 2, centerY: top + 30)
            return canvas.document(kind: "image-grid", title: title, height: top + 50)
        }

        let longest = Double(tiles.map { Swift.max($0.image.height, $0.image.width) }.max()!)
        let size = tileSize ?? (longest <= 72 ? longest * Swift.max(1, (72 / longest).rounded(.down)) : 96)
        let captionSize = ChartMetrics.tickSize
        let captionWidth = tiles.flatMap(\.caption).map { estimatedTextWidth($0, fontSize: captionSize) }.max() ?? 0
        let cellWidth = Swift.min(Swift.max(size, captionWidth), Swift.max(size, 120))
        let lines = Double(Swift.min(2, tiles.map(\.caption.count).max()!))
        let gap = 14.0
        let cellHeight = size + 6 + lines * 14
        let usable = ChartMetrics.width - 2 * padding
        let columns = Swift.max(1, Int((usable + gap) / (cellWidth + gap)))
        let rows = (tiles.count + columns - 1) / columns

        for (index, tile) in tiles.enumerated() {
            let x = padding + Double(index % columns) * (cellWidth + gap)
            let y = top + Double(index / columns) * (cellHeight + gap)
            let image = tile.image
            let scale = size / Double(Swift.max(image.height, image.width))
            let (w, h) = (Double(image.width) * scale, Double(image.height) * scale)
            let imageX = x + (cellWidth - w) / 2
            let imageY = y + (size - h) / 2
            let pixelated = scale >= 1 ? " image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\"" : ""
            let tooltip = tile.caption.joined(separator: ", ")
            canvas.raw("<image class=\"tile\(tile.isMarked ? " marked" : "")\" x=\"\(svgNumber(imageX))\" "
                       + "y=\"\(svgNumber(imageY))\" width=\"\(svgNumber(w))\" height=\"\(svgNumber(h))\" "
                       + "preserveAspectRatio=\"none\"\(pixelated) href=\"\(image.dataURI)\">"
                       + (tooltip.isEmpty ? "" : "<title>\(escapeXML(tooltip))</title>") + "</image>\n")
            if tile.isMarked {
                canvas.rect(x: imageX - 2, y: imageY - 2, width: w + 4, height: h + 4, className: "tile-wrong",
                            attributes: "fill=\"none\" stroke=\"\(ChartPalette.alert)\" stroke-width=\"3\"")
            } else {
                canvas.rect(x: imageX - 0.5, y: imageY - 0.5, width: w + 1, height: h + 1, className: "tile-frame",
                            attributes: "fill=\"none\" stroke=\"currentColor\" stroke-opacity=\"0.2\"")
            }
            for (line, text) in tile.caption.prefix(2).enumerated() {
                let shown = truncated(text, toWidth: cellWidth + gap - 2, fontSize: captionSize)
                let color = tile.isMarked && line == 0 ? "fill=\"\(ChartPalette.alert)\" font-weight=\"600\"" : ""
                canvas.text(shown, x: x + cellWidth / 2, y: y + size + 16 + Double(line) * 14, size: captionSize,
                            anchor: "middle", className: "caption", attributes: color,
                            tooltip: shown == text ? nil : text)
            }
        }
        let height = top + Double(rows) * cellHeight + Double(rows - 1) * gap + padding
        return canvas.document(kind: "image-grid", title: title, height: height)
    }
}
