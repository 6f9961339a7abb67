import Cluster

/// The MPI job a launcher (`mpirun`, `srun`) started this process in, or nil outside MPI. Launched
/// under one but unable to load or start Open MPI, it is an error (status 1) saying why.
func joinMPIJobIfLaunched() throws -> MPIWorld? {
    do {
        return try MPIWorld.startIfLaunched()
    } catch {
        throw fail(error.description)
    }
}
