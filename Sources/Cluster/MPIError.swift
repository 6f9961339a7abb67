/// An MPI call that failed, or an MPI library that could not be loaded, in words for the user.
public struct MPIError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
