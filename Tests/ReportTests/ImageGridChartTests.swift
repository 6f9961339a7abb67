import Foundation
import NeuralNet
import XCTest
@testable import Report

final class ImageGridReportChartTests: XCTestCase {
    private func image(_ seed: UInt8, channels: Int = 3) -> PixelImage {
        PixelImage(channels: channels, height: 8, width: 8,
                   planar: (0..<(channels * 64)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(seed)) })
    }

    func testSamplesAreSelfContainedPixelatedTilesWithCaptions() {
        let images = (0..<5).map { image(UInt8($0)) }
        let grid = ImageGrid.samples(title: "Samples", images: images, labels: ["a", "b", "c", "d", "e"])
        let svg = grid.svg()
        let parsed = assertChartBasics(svg, title: "Samples")
        let tiles = parsed.elements("image", classes: "tile")
        XCTAssertEqual(tiles.count, 5)
        for tile in tiles {
            XCTAssertTrue(tile["href"]?.hasPrefix("data:image/png;base64,") ?? false)
            XCTAssertEqual(tile["style"], "image-rendering:pixelated")
            XCTAssertEqual(tile["width"], "72", "8px images shown 9× larger")
        }
        XCTAssertEqual(parsed.elements("text", classes: "caption").count, 5)
        XCTAssertFalse(svg.contains("http://") && svg.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"),
                       "no external references")
        // The embedded PNG is the image's own.
        let href = tiles[2]["href"]!
        let data = Data(base64Encoded: String(href.dropFirst("data:image/png;base64,".count)))
        XCTAssertEqual(data.map { [UInt8]($0) }, images[2].pngData())
    }

    func testPredictionsMarkTheMisclassifiedOnes() {
        let images = (0..<4).map { image(UInt8($0), channels: 1) }
        let grid = ImageGrid.predictions(title: "Predictions", images: images,
                                         predicted: ["cat", "dog", "cat", "ship"], actual: ["cat", "cat", "cat", "truck"])
        let parsed = assertChartBasics(grid.svg(), title: "Predictions")
        XCTAssertEqual(parsed.elements("image", classes: "tile").count, 4)
        XCTAssertEqual(parsed.elements("image", classes: "marked").count, 2)
        XCTAssertEqual(parsed.elements("rect", classes: "tile-wrong").count, 2)
        XCTAssertEqual(parsed.elements("rect", classes: "tile-wrong").first?["stroke"], ChartPalette.alert)
        XCTAssertTrue(parsed.text.contains("pred: dog"))
        XCTAssertTrue(parsed.text.contains("true: truck"))
        XCTAssertTrue(parsed.text.contains("2 of 4 misclassified"))
    }

    func testWeightTilesAreOnePerUnitRescaledPerTile() throws {
        // 2 units over 1×2×2 inputs: unit 0 weights 0, 1, 2, 3; unit 1 weights -1, -1, 5, -1.
        let weights: [[Float]] = [[0, -1], [1, -1], [2, 5], [3, -1]]
        let grid = ImageGrid.weightTiles(title: "Weights", weights: weights, channels: 1, height: 2, width: 2)
        XCTAssertEqual(grid.tiles.count, 2)
        XCTAssertEqual(grid.tiles[0].image.planar, [0, 85, 170, 255])
        XCTAssertEqual(grid.tiles[1].image.planar, [0, 0, 255, 0])
        XCTAssertEqual(grid.tiles[1].caption, ["unit 1"])
        let limited = ImageGrid.weightTiles(title: "W", weights: weights, channels: 1, height: 2, width: 2, maxTiles: 1)
        let parsed = assertChartBasics(limited.svg(), title: "W")
        XCTAssertEqual(parsed.elements("image", classes: "tile").count, 1)
        XCTAssertTrue(parsed.text.contains("first 1 of 2 units"))
    }

    func testFloatImagesMapARangeAndConstantImagesAreGrey() {
        let mapped = PixelImage(channels: 1, height: 1, width: 4, planar: [-1, 0, 1, 2], range: 0...1)
        XCTAssertEqual(mapped.planar, [0, 0, 255, 255])
        XCTAssertEqual(PixelImage(channels: 1, height: 1, width: 2, planar: [Float](repeating: 0.3, count: 2)).planar, [128, 128])
        XCTAssertEqual(PixelImage(channels: 1, height: 1, width: 2, planar: [Float.nan, 1], range: 0...1).planar, [0, 255])
    }

    func testPlanarPixelsAreInterleavedForPNG() {
        let rgb = PixelImage(channels: 3, height: 1, width: 2, planar: [1, 2, 10, 20, 100, 200])
        XCTAssertEqual(rgb.interleaved(), [1, 10, 100, 2, 20, 200])
    }

    func testAnEmptyGridSaysNoData() {
        let parsed = assertChartBasics(ImageGrid(title: "None", tiles: []).svg(), title: "None")
        XCTAssertEqual(parsed.elements("text", classes: "no-data").count, 1)
    }

    func testManyTilesWrapIntoRowsWithinTheWidth() {
        let grid = ImageGrid.samples(title: "Many", images: (0..<30).map { image(UInt8($0)) }, labels: [])
        let parsed = ParsedSVG(grid.svg())
        let tiles = parsed.elements("image", classes: "tile")
        XCTAssertEqual(tiles.count, 30)
        XCTAssertGreaterThan(Set(tiles.compactMap { $0["y"] }).count, 1)
        for tile in tiles {
            let right = Double(tile["x"]!)! + Double(tile["width"]!)!
            XCTAssertLessThanOrEqual(right, 720)
        }
    }
}
