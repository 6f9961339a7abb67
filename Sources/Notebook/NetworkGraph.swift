import FileFormats
import NeuralNet

/// A network as the graph TensorBoard's Graphs tab draws: an input placeholder, then per layer its
/// variables and operations under the layer's scope (`Layer1/weights`, `Layer1/Conv2D`, ...), named
/// with TensorFlow's ops so TensorBoard gives them their usual boxes, and the softmax loss.
enum NetworkGraph {
    static func nodes(_ network: Network) -> [GraphNode] {
        var nodes = [GraphNode(name: "input", op: "Placeholder", outputShape: [-1] + network.inputShape)]
        var previous = "input"
        for (index, layer) in network.layers.enumerated() {
            let scope = "Layer\(index + 1)"
            for spec in layer.parameterSpecs {
                nodes.append(GraphNode(name: "\(scope)/\(spec.name)", op: "VariableV2", outputShape: spec.shape))
            }
            let variables = layer.parameterSpecs.map { "\(scope)/\($0.name)" }
            let shape = [-1] + layer.outputShape
            func add(_ op: String, _ inputs: [String]) {
                nodes.append(GraphNode(name: "\(scope)/\(op)", op: op, inputs: inputs, outputShape: shape))
                previous = "\(scope)/\(op)"
            }
            switch layer.spec {
            case .dense(_, let activation), .conv2d(_, _, _, _, let activation):
                add(layer.spec.kind == "dense" ? "MatMul" : "Conv2D", [previous, variables[0]])
                add("BiasAdd", [previous, variables[1]])
                if let op = opName(activation) { add(op, [previous]) }
            case .maxPool: add("MaxPool", [previous])
            case .avgPool: add("AvgPool", [previous])
            case .globalAvgPool: add("Mean", [previous])
            case .flatten: add("Reshape", [previous])
            case .dropout: add("Dropout", [previous])
            case .batchNorm: add("FusedBatchNorm", [previous] + variables)
            }
        }
        nodes.append(GraphNode(name: "loss/labels", op: "Placeholder", outputShape: [-1]))
        nodes.append(GraphNode(name: "loss/SparseSoftmaxCrossEntropyWithLogits", op: "SparseSoftmaxCrossEntropyWithLogits",
                               inputs: [previous, "loss/labels"], outputShape: [-1]))
        return nodes
    }

    private static func opName(_ activation: Activation) -> String? {
        switch activation {
        case .relu: "Relu"
        case .tanh: "Tanh"
        case .sigmoid: "Sigmoid"
        case .none: nil
        }
    }
}
