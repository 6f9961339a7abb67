import CCmark
import Foundation

/// A Markdown document parsed by cmark-gfm: the one Swift wrapper around its C API, used by the
/// notebook parser (to find directive blocks) and by the report (to render prose). It owns the
/// parser and its tree and frees them when it goes.
///
/// cmark-gfm rather than a Markdown parser in Swift: it is GitHub's fork of cmark, CommonMark's
/// reference implementation, so fences, indentation and nesting follow the specification exactly,
/// and its extensions give the tables, strikethrough, autolinks and task lists that notebook
/// authors know from GitHub and Jupyter. Debian ships it.
public final class MarkdownDocument {
    public struct Options: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// Keep raw HTML and dangerous URLs in rendered HTML (cmark drops them by default).
        public static let unsafe = Options(rawValue: CMARK_OPT_UNSAFE)
        /// Record each block's source position (`MarkdownNode.startLine` and the rest).
        public static let sourcePositions = Options(rawValue: CMARK_OPT_SOURCEPOS)
    }

    /// The GitHub Flavored Markdown extensions every document is parsed with. Not `tagfilter`: raw
    /// HTML is already dropped unless a notebook opts in with `allow_html`, and then it is the author's.
    static let extensions = ["table", "strikethrough", "autolink", "tasklist"]
    /// The extensions register themselves in a process-wide list once, before any parser looks for them.
    private static let extensionsRegistered: Void = cmark_gfm_core_extensions_ensure_registered()

    /// Keeps the extensions the renderer needs; it lives as long as the tree.
    let parser: OpaquePointer
    let root: OpaquePointer
    public let options: Options

    /// Parses UTF-8 Markdown; nil only if cmark-gfm can not allocate its parser or tree.
    public init?(_ bytes: some Collection<UInt8>, options: Options = []) {
        Self.extensionsRegistered
        guard let parser = cmark_parser_new(options.rawValue) else { return nil }
        for name in Self.extensions {
            if let syntax = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, syntax) }
        }
        func feed(_ buffer: UnsafeBufferPointer<UInt8>) {
            buffer.withMemoryRebound(to: CChar.self) { cmark_parser_feed(parser, $0.baseAddress, $0.count) }
        }
        // Fed in place when the bytes are contiguous (an array or a slice of one): no copy.
        if bytes.withContiguousStorageIfAvailable(feed) == nil { Array(bytes).withUnsafeBufferPointer(feed) }
        guard let parsed = cmark_parser_finish(parser) else {
            cmark_parser_free(parser)
            return nil
        }
        self.parser = parser
        root = parsed
        self.options = options
    }

    public convenience init?(_ text: String, options: Options = []) {
        self.init(Array(text.utf8), options: options)
    }

    deinit {
        cmark_node_free(root)
        cmark_parser_free(parser)
    }

    public var document: MarkdownNode { MarkdownNode(pointer: root) }

    /// Calls `visit` with every node, parents before their children, in document order. Nodes may
    /// be collected and removed after the walk, never during it.
    public func forEachNode(_ visit: (MarkdownNode) -> Void) {
        document.forEachDescendant(visit)
    }

    /// The document as HTML (safe unless parsed with `.unsafe`).
    public func html() -> String {
        guard let rendered = cmark_render_html(root, options.rawValue, cmark_parser_get_syntax_extensions(parser)) else {
            return ""
        }
        defer { free(rendered) }
        return String(cString: rendered)
    }

    /// Removes `node` and its children from the document.
    public func remove(_ node: MarkdownNode) {
        guard node.pointer != root else { return }
        cmark_node_unlink(node.pointer)
        cmark_node_free(node.pointer)
    }
}

/// One node of a `MarkdownDocument`, valid while the document lives.
public struct MarkdownNode: Equatable {
    let pointer: OpaquePointer

    public enum Kind: Equatable, Sendable {
        case document, blockQuote, list, item, codeBlock, htmlBlock, paragraph, heading, thematicBreak
        case text, softBreak, lineBreak, code, htmlInline, emphasis, strong, link, image, other
    }

    public var kind: Kind {
        switch cmark_node_get_type(pointer) {
        case CMARK_NODE_DOCUMENT: .document
        case CMARK_NODE_BLOCK_QUOTE: .blockQuote
        case CMARK_NODE_LIST: .list
        case CMARK_NODE_ITEM: .item
        case CMARK_NODE_CODE_BLOCK: .codeBlock
        case CMARK_NODE_HTML_BLOCK: .htmlBlock
        case CMARK_NODE_PARAGRAPH: .paragraph
        case CMARK_NODE_HEADING: .heading
        case CMARK_NODE_THEMATIC_BREAK: .thematicBreak
        case CMARK_NODE_TEXT: .text
        case CMARK_NODE_SOFTBREAK: .softBreak
        case CMARK_NODE_LINEBREAK: .lineBreak
        case CMARK_NODE_CODE: .code
        case CMARK_NODE_HTML_INLINE: .htmlInline
        case CMARK_NODE_EMPH: .emphasis
        case CMARK_NODE_STRONG: .strong
        case CMARK_NODE_LINK: .link
        case CMARK_NODE_IMAGE: .image
        default: .other
        }
    }

    /// 1-based source positions (with `.sourcePositions`; lines of the parsed text).
    public var startLine: Int { Int(cmark_node_get_start_line(pointer)) }
    public var startColumn: Int { Int(cmark_node_get_start_column(pointer)) }
    public var endLine: Int { Int(cmark_node_get_end_line(pointer)) }

    /// A code block's info string (`{train}` in ```` ```{train} ````); nil for other nodes.
    public var fenceInfo: String? {
        guard kind == .codeBlock, let info = cmark_node_get_fence_info(pointer) else { return nil }
        return String(cString: info)
    }

    /// The text of a code block, text or code span.
    public var literal: String? {
        cmark_node_get_literal(pointer).map { String(cString: $0) }
    }

    public var headingLevel: Int { Int(cmark_node_get_heading_level(pointer)) }

    public var parent: MarkdownNode? { cmark_node_parent(pointer).map(MarkdownNode.init) }

    /// The text of the node's inline children without markup; breaks become spaces.
    public var plainText: String {
        var text = ""
        forEachDescendant { node in
            switch node.kind {
            case .text, .code: text += node.literal ?? ""
            case .softBreak, .lineBreak: text += " "
            default: break
            }
        }
        return text
    }

    /// Calls `visit` with this node and everything below it, parents first, in document order.
    public func forEachDescendant(_ visit: (MarkdownNode) -> Void) {
        guard let iterator = cmark_iter_new(pointer) else { return }
        defer { cmark_iter_free(iterator) }
        while cmark_iter_next(iterator) != CMARK_EVENT_DONE {
            guard cmark_iter_get_event_type(iterator) == CMARK_EVENT_ENTER,
                  let current = cmark_iter_get_node(iterator) else { continue }
            visit(MarkdownNode(pointer: current))
        }
    }
}
