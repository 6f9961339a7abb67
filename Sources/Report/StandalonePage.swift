/// The frame of LabBook's self-contained pages besides the report (a sweep's comparison, `labbook
/// diff --html`): one HTML file with its style inline, a header of a title and one line under it.
enum StandalonePage {
    /// Everything up to the end of the page's header. `title`, `heading` and `meta` are markup,
    /// escaped by the caller.
    static func opening(title: String, generator: String? = nil, style: String, heading: String, meta: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />

        """ + (generator.map { "<meta name=\"generator\" content=\"\($0)\" />\n" } ?? "") + """
        <title>\(title)</title>
        <style>\(style)</style>
        </head>
        <body>
        <header>
        <h1>\(heading)</h1>
        <p class="meta">\(meta)</p>
        </header>

        """
    }
}
