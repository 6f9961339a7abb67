extension Sequence {
    /// The elements best first by `value`: lowest first when `lowestFirst`, else highest first. Those
    /// without a value, or with NaN, come last; ties and those keep their order, so a ranking never
    /// depends on which run finished first.
    public func rankedBestFirst(lowestFirst: Bool, by value: (Element) -> Double?) -> [Element] {
        enumerated().map { (offset: $0.offset, element: $0.element, value: value($0.element).flatMap { $0.isNaN ? nil : $0 }) }
            .sorted { left, right in
                switch (left.value, right.value) {
                case let (a?, b?) where a != b: lowestFirst ? a < b : a > b
                case (_?, nil): true
                case (nil, _?): false
                default: left.offset < right.offset
                }
            }
            .map(\.element)
    }
}
