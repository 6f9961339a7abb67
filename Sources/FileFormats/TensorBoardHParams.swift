/// A hyperparameter's value as TensorBoard's HParams plugin keeps it (a `google.protobuf.Value`).
public enum HParamValue: Sendable, Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
}

/// What TensorBoard's HParams dashboard shows about a whole experiment (a sweep): every
/// hyperparameter with the values it may take, and the metrics that compare sessions
/// (`tensorboard.hparams.Experiment` in tensorboard/plugins/hparams/api.proto).
public struct HParamsExperiment: Sendable, Equatable {
    public struct Parameter: Sendable, Equatable {
        public enum Domain: Sendable, Equatable {
            case discrete([HParamValue])
            case interval(min: Double, max: Double)
        }

        public enum DataType: UInt64, Sendable {
            case string = 1
            case bool = 2
            case float64 = 3
        }

        public var name: String
        public var type: DataType
        public var domain: Domain?
        /// Whether sessions differ in it: the dashboard lists these first.
        public var differs: Bool

        public init(name: String, type: DataType, domain: Domain?, differs: Bool) {
            self.name = name
            self.type = type
            self.domain = domain
            self.differs = differs
        }
    }

    /// A scalar summary's tag in each session's run, whose last value is the session's metric.
    public struct Metric: Sendable, Equatable {
        public enum DatasetType: UInt64, Sendable {
            case unknown = 0
            case training = 1
            case validation = 2
        }

        public var tag: String
        public var datasetType: DatasetType

        public init(tag: String, datasetType: DatasetType = .unknown) {
            self.tag = tag
            self.datasetType = datasetType
        }
    }

    public var name: String
    public var parameters: [Parameter]
    public var metrics: [Metric]

    public init(name: String, parameters: [Parameter], metrics: [Metric]) {
        self.name = name
        self.parameters = parameters
        self.metrics = metrics
    }
}

/// How a session (one run) ended, as the HParams dashboard's Status column shows it.
public enum HParamsSessionStatus: UInt64, Sendable {
    case success = 1
    case failure = 2
    case running = 3
}

/// The HParams plugin's summaries, written as `tensorboard.plugins.hparams.summary` writes them: each
/// is a summary value tagged `_hparams_/...` whose metadata names the plugin "hparams" and carries a
/// serialized `HParamsPluginData` (plugin_data.proto, version 0), with an empty float tensor as the
/// value. Encoded by hand like the rest of the event file: these are a few fixed messages.
extension TensorBoardWriter {
    /// The experiment: what every session of a sweep shares. TensorBoard takes it from any run.
    public func addHParamsExperiment(_ experiment: HParamsExperiment) {
        let now = currentWallTime()
        var message = ProtobufMessage()
        message.bytes(field: 6, Array(experiment.name.utf8))
        message.double(field: 3, now)
        for parameter in experiment.parameters {
            var info = ProtobufMessage()
            info.bytes(field: 1, Array(parameter.name.utf8))
            info.int64(field: 4, Int64(parameter.type.rawValue))
            switch parameter.domain {
            case .discrete(let values):
                var list = ProtobufMessage()
                for value in values { list.bytes(field: 1, Self.encoded(value)) }
                info.bytes(field: 5, list.bytes)
            case .interval(let min, let max):
                var interval = ProtobufMessage()
                interval.double(field: 1, min)
                interval.double(field: 2, max)
                info.bytes(field: 6, interval.bytes)
            case nil:
                break
            }
            if parameter.differs { info.int64(field: 7, 1) }
            message.bytes(field: 4, info.bytes)
        }
        for metric in experiment.metrics {
            var name = ProtobufMessage()
            name.bytes(field: 2, Array(metric.tag.utf8))
            var info = ProtobufMessage()
            info.bytes(field: 1, name.bytes)
            if metric.datasetType != .unknown { info.int64(field: 5, Int64(metric.datasetType.rawValue)) }
            message.bytes(field: 5, info.bytes)
        }
        addHParamsSummary(tag: "_hparams_/experiment", dataField: 2, message, time: now)
    }

    /// The start of this run's session: its hyperparameters' values, in the order given.
    public func addHParamsSessionStart(_ hparams: [(name: String, value: HParamValue)], groupName: String = "") {
        var message = ProtobufMessage()
        for (name, value) in hparams {
            var entry = ProtobufMessage()  // map<string, Value> entries: key 1, value 2
            entry.bytes(field: 1, Array(name.utf8))
            entry.bytes(field: 2, Self.encoded(value))
            message.bytes(field: 1, entry.bytes)
        }
        if !groupName.isEmpty { message.bytes(field: 4, Array(groupName.utf8)) }
        let now = currentWallTime()
        message.double(field: 5, now)
        addHParamsSummary(tag: "_hparams_/session_start_info", dataField: 3, message, time: now)
    }

    /// The end of this run's session and how it ended.
    public func addHParamsSessionEnd(status: HParamsSessionStatus) {
        var message = ProtobufMessage()
        message.int64(field: 1, Int64(status.rawValue))
        let now = currentWallTime()
        message.double(field: 2, now)
        addHParamsSummary(tag: "_hparams_/session_end_info", dataField: 4, message, time: now)
    }

    private func addHParamsSummary(tag: String, dataField: UInt64, _ data: ProtobufMessage, time: Double) {
        var pluginData = ProtobufMessage()  // HParamsPluginData; version 0 is the default, left out
        pluginData.bytes(field: dataField, data.bytes)
        var plugin = ProtobufMessage()
        plugin.bytes(field: 1, Array("hparams".utf8))
        plugin.bytes(field: 2, pluginData.bytes)
        var metadata = ProtobufMessage()
        metadata.bytes(field: 1, plugin.bytes)
        metadata.int64(field: 4, 2)  // DATA_CLASS_TENSOR, as TensorBoard's loader marks hparams summaries
        var shape = ProtobufMessage()
        shape.bytes(field: 2, [])  // one dimension of size 0, the default, so an empty message
        var tensor = ProtobufMessage()  // an empty DT_FLOAT tensor: the plugin's NULL_TENSOR
        tensor.int64(field: 1, 1)
        tensor.bytes(field: 2, shape.bytes)
        var value = ProtobufMessage()
        value.bytes(field: 1, Array(tag.utf8))
        value.bytes(field: 8, tensor.bytes)
        value.bytes(field: 9, metadata.bytes)
        var summary = ProtobufMessage()
        summary.bytes(field: 1, value.bytes)
        appendEvent(step: 0, time: time) { $0.bytes(field: 5, summary.bytes) }
    }

    /// A `google.protobuf.Value`.
    private static func encoded(_ value: HParamValue) -> [UInt8] {
        var message = ProtobufMessage()
        switch value {
        case .number(let number): message.double(field: 2, number)
        case .string(let text): message.bytes(field: 3, Array(text.utf8))
        case .bool(let flag): message.int64(field: 4, flag ? 1 : 0)
        }
        return message.bytes
    }
}

extension TensorBoardWriter {
    /// Whether `event` (one record's data) is one of the HParams plugin's summaries. They say when a
    /// run ran and which sweep it belongs to, not what it computed, so comparisons of two runs' events
    /// leave them out.
    public static func isHParamsSummary(_ event: ArraySlice<UInt8>) -> Bool {
        guard let summary = ProtobufFields.first(5, in: event), let value = ProtobufFields.first(1, in: summary),
              let tag = ProtobufFields.first(1, in: value) else { return false }
        return tag.starts(with: "_hparams_/".utf8)
    }
}

/// Reads the length-delimited fields of a protocol buffer message, skipping the others: enough to
/// find a summary's tag. Returns nil for a message that is not well formed.
enum ProtobufFields {
    static func first(_ wanted: UInt64, in message: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var offset = message.startIndex
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while offset < message.endIndex, shift < 64 {
                let byte = message[offset]
                offset += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }
        while offset < message.endIndex {
            guard let key = varint() else { return nil }
            let skip: UInt64
            switch key & 7 {
            case 0: guard varint() != nil else { return nil }; continue
            case 1: skip = 8
            case 5: skip = 4
            case 2:
                guard let length = varint() else { return nil }
                skip = length
            default: return nil
            }
            guard skip <= UInt64(message.endIndex - offset) else { return nil }
            let field = message[offset..<(offset + Int(skip))]
            offset += Int(skip)
            if key >> 3 == wanted && key & 7 == 2 { return field }
        }
        return nil
    }
}
