import ArgumentParser
import Datasets
import Foundation
import Notebook

/// `labbook fetch`: download a dataset into the cache, where notebooks without a `path` find it.
struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download a dataset into ~/.cache/labbook/datasets, or say where it already is.",
        discussion: """
            Files come from the datasets' official pages, or from LABBOOK_DATA_MIRROR/<dataset>/<file> \
            when that is set; LABBOOK_DATA_MANIFEST names a JSON file of other URLs and checksums. \
            LABBOOK_OFFLINE=1 turns downloading off.
            """)

    @Argument(help: "The dataset to download (the spiral is generated, not downloaded).")
    var dataset: DatasetKind

    @Flag(help: "Download it again, replacing the copy in the cache.")
    var force = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors and the dataset's folder.")
    var quiet = false

    func run() throws {
        guard dataset != .spiral else {
            throw fail("the spiral is generated from the notebook's seed; there is nothing to download")
        }
        Interruption.install()
        let fetcher = DatasetFetcher.stoppingOnInterruption(progress: .forStandardError(quiet: quiet))
        let folder: String
        do {
            if force {
                guard !fetcher.settings.offline else {
                    throw fail("LABBOOK_OFFLINE is set, so nothing is downloaded")
                }
                guard let source = try fetcher.settings.source(for: dataset) else { return }
                folder = try fetcher.fetch(source, replacing: true)
            } else if let found = try? fetcher.locator.find(dataset) {
                print("\(dataset.rawValue) is already in \(found)")
                return
            } else {
                folder = try fetcher.locateOrFetch(dataset)
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            let exitCode = fail("\(error)")
            throw Interruption.signal.map { ExitCode(128 + $0) } ?? exitCode
        }
        print("\(dataset.rawValue) is in \(folder)")
    }
}
