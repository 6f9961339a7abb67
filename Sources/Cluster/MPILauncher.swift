/// What an MPI launcher (`mpirun`, `srun`) leaves in the environment of each process it starts.
public enum MPILauncher {
    /// The prefixes of the variables through which a process finds its rank and its launcher:
    /// Open MPI's OMPI_*, PMIx's PMIX_* and PMI's PMI_*.
    public static let variablePrefixes = ["OMPI_", "PMIX_", "PMI_"]

    /// Set to "0", it keeps LabBook from joining MPI even where a launcher's variables remain.
    public static let switchVariable = "LABBOOK_MPI"

    /// `environment` for a child process that must run on its own, not join its parent's MPI job: a
    /// child that kept these variables would try to connect to the launcher as a rank it is not.
    public static func environmentForChild(of environment: [String: String]) -> [String: String] {
        var child = environment.filter { name, _ in !variablePrefixes.contains { name.hasPrefix($0) } }
        child[switchVariable] = "0"
        return child
    }
}
