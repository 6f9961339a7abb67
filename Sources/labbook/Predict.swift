import ArgumentParser
import Foundation
import Notebook

/// `labbook predict`: classify images, table rows or arrays with a trained network.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify images (PNG, JPEG), CSV rows or .npy arrays with a network a run trained.",
        discussion: """
            TARGET is a run folder (its model.safetensors, else the last checkpoint its run.json lists) or a \
            checkpoint file. Files are told apart by their bytes. Images are decoded and resized as the run's \
            {data} block read its images; CSV rows are read with the training table's columns; everything is \
            normalized as the training data were. Nothing is written.
            """)

    @Argument(help: "A run folder or a .safetensors checkpoint.")
    var target: String

    @Argument(help: "Images, CSV tables or .npy arrays to classify.")
    var files: [String] = []

    @Option(help: "How many of the most probable classes to print for each example.")
    var top = 3

    @Flag(help: "Print a JSON array of {\"input\", \"predictions\": [{\"class\", \"probability\"}]}.")
    var json = false

    func run() throws {
        guard !files.isEmpty else { throw usageError("predict needs at least one file to classify after \(target)") }
        guard top >= 1 else { throw usageError("--top must be at least 1, not \(top)") }
        let predictor: Predictor
        do {
            predictor = try Predictor(target: target)
        } catch {
            throw fail(PlainErrorText.of(error))
        }
        // Every file is read before any is classified, so a mistake in one is reported with the
        // others' and nothing half done is printed.
        var batches: [Predictor.Examples] = []
        var problems: [String] = []
        for file in files {
            do {
                batches.append(try predictor.examples(of: file))
            } catch {
                problems.append(PlainErrorText.of(error))
            }
        }
        guard problems.isEmpty else {
            for problem in problems.dropLast() { printError("labbook: error: \(problem)") }
            throw fail(problems.last!)
        }
        let predictions = predictor.classify(batches)
        let shown = min(top, predictor.input.classNames.count)
        if json {
            print(try Prediction.json(predictions, top: shown))
        } else {
            for prediction in predictions { print(prediction.line(top: shown)) }
        }
    }
}
