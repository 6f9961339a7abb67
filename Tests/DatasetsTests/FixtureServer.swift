import Foundation
import XCTest

struct FixtureServerError: Error, CustomStringConvertible {
    var description: String { "python3 could not start the fixture HTTP server" }
}

/// An HTTP server on 127.0.0.1 that download tests start and stop, run by python3 on a free port.
/// `/ok/PATH` serves `root/PATH`; `/truncate/PATH` announces the whole file but sends half of it and
/// closes; `/stall/PATH` sends half and then nothing; anything else is a 404.
final class FixtureServer {
    let root: String
    let port: Int
    private let process: Process

    private static let script = """
        import http.server, os, sys, time
        root = sys.argv[1]
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                mode, _, rest = self.path.lstrip("/").partition("/")
                path = os.path.join(root, rest)
                if mode not in ("ok", "truncate", "stall") or ".." in rest or not os.path.isfile(path):
                    self.send_error(404)
                    return
                with open(path, "rb") as f:
                    data = f.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if mode == "ok":
                    self.wfile.write(data)
                    return
                self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
                if mode == "stall":
                    time.sleep(120)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    /// Starts serving `root`; the server stops when `test` ends.
    init(root: String, for test: XCTestCase) throws {
        self.root = root
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, root]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(0x0a) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw FixtureServerError()
        }
        self.port = port
        let process = process
        test.addTeardownBlock {
            process.terminate()
            process.waitUntilExit()
        }
    }

    func url(_ path: String, mode: String = "ok") -> URL {
        URL(string: "http://127.0.0.1:\(port)/\(mode)/\(path)")!
    }

    /// The base URL a mirror setting takes: the dataset's name and file name follow it.
    var mirror: String { "http://127.0.0.1:\(port)/ok/" }

    /// Writes `bytes` as `path` under the served folder.
    func serve(_ bytes: [UInt8], as path: String) throws {
        let url = URL(fileURLWithPath: root).appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }
}
