import Cluster
import Foundation
import XCTest

/// What LabBook does with an MPI launcher's variables, checked without MPI: `Tests/Interop/mpi-sweep.sh`
/// runs sweeps under Open MPI's mpirun itself.
final class MPILauncherTests: XCTestCase {
    func testChildProcessesGetNoneOfTheLaunchersVariables() {
        let environment = ["PATH": "/usr/bin", "OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "1",
                           "OMPI_MCA_btl": "self,tcp", "PMIX_RANK": "1", "PMIX_SERVER_URI41": "pmix-server",
                           "PMI_RANK": "1", "PMI_FD": "5", "SLURM_JOB_ID": "42", "LABBOOK_HISTORY": "/tmp/h.sqlite"]
        XCTAssertEqual(MPILauncher.environmentForChild(of: environment),
                       ["PATH": "/usr/bin", "SLURM_JOB_ID": "42", "LABBOOK_HISTORY": "/tmp/h.sqlite", "LABBOOK_MPI": "0"])
    }

    func testSweepIgnoresLauncherVariablesWhenLabBookMPIIsZero() throws {
        let folder = try makeTemporaryFolder(self)
        let notebook = NotebookCommandTests.root.appendingPathComponent("notebooks/quickstart.md")
        let result = try LabBookBinary.run(["sweep", notebook.path, "-p", "steps=20", "-j", "1", "-o", folder.appendingPathComponent("sweep").path],
                                           environment: ["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "1",
                                                         "PMIX_RANK": "1", "LABBOOK_MPI": "0"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssert(result.standardOutput.contains("Sweep of 1 trial of \(notebook.path) into"), result.standardOutput)
        XCTAssertFalse(result.standardOutput.contains("MPI"), result.standardOutput)
    }

    /// Launched by mpirun on a machine without Open MPI (here, a libmpi.so.40 that is not a library
    /// ahead of the real one): the sweep says so and how to install it, and runs nothing.
    func testLaunchedWithoutOpenMPIsLibrarySaysWhatToInstall() throws {
        let folder = try makeTemporaryFolder(self)
        for name in ["libmpi.so.40", "libmpi.so"] {
            try Data("not a library".utf8).write(to: folder.appendingPathComponent(name))
        }
        let notebook = NotebookCommandTests.root.appendingPathComponent("notebooks/quickstart.md")
        let sweep = folder.appendingPathComponent("sweep")
        let result = try LabBookBinary.run(["sweep", notebook.path, "-p", "steps=20", "-o", sweep.path],
                                           environment: ["OMPI_COMM_WORLD_SIZE": "2", "LD_LIBRARY_PATH": folder.path])
        XCTAssertEqual(result.status, 1, result.standardError)
        XCTAssert(result.standardError.hasPrefix("labbook: error: launched under an MPI launcher (OMPI_COMM_WORLD_SIZE is set) "
                                                 + "but libmpi.so.40 cannot be loaded: "), result.standardError)
        XCTAssert(result.standardError.contains("install Open MPI (Debian: openmpi-bin)"), result.standardError)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sweep.path))
    }
}
