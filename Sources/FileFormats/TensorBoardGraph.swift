/// One node of the network drawing TensorBoard's Graphs tab shows: a TensorFlow `NodeDef` with the
/// op it stands for, the nodes it reads, and the shape it outputs (`-1` for the batch).
public struct GraphNode: Sendable, Equatable {
    /// Scoped with '/' (`Layer1/Conv2D`); TensorBoard folds each scope into one box.
    public var name: String
    /// TensorFlow's name for the operation (`Conv2D`, `MatMul`, `VariableV2`), which picks its icon.
    public var op: String
    public var inputs: [String]
    public var outputShape: [Int]?

    public init(name: String, op: String, inputs: [String] = [], outputShape: [Int]? = nil) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputShape = outputShape
    }
}

extension TensorBoardWriter {
    /// Writes `nodes` as the run's graph: an event whose `graph_def` is a serialized `GraphDef`, as
    /// `tf.summary.FileWriter(logdir, sess.graph)` wrote in the tutorial.
    public func addGraph(_ nodes: [GraphNode]) {
        var graph = ProtobufMessage()
        for node in nodes {
            var definition = ProtobufMessage()
            definition.bytes(field: 1, Array(node.name.utf8))
            definition.bytes(field: 2, Array(node.op.utf8))
            for input in node.inputs { definition.bytes(field: 3, Array(input.utf8)) }
            if let shape = node.outputShape {
                // attr {"_output_shapes": AttrValue{list: ListValue{shape: [TensorShapeProto{dim: [...]}]}}}
                var tensorShape = ProtobufMessage()
                for size in shape {
                    var dimension = ProtobufMessage()
                    dimension.int64(field: 1, Int64(size))
                    tensorShape.bytes(field: 2, dimension.bytes)
                }
                var list = ProtobufMessage()
                list.bytes(field: 7, tensorShape.bytes)
                var value = ProtobufMessage()
                value.bytes(field: 1, list.bytes)
                var entry = ProtobufMessage()
                entry.bytes(field: 1, Array("_output_shapes".utf8))
                entry.bytes(field: 2, value.bytes)
                definition.bytes(field: 5, entry.bytes)
            }
            graph.bytes(field: 1, definition.bytes)
        }
        var versions = ProtobufMessage()
        versions.int64(field: 1, 27)  // VersionDef.producer: a GraphDef version TensorBoard reads
        graph.bytes(field: 4, versions.bytes)
        appendEvent(step: 0) { $0.bytes(field: 4, graph.bytes) }
    }
}
