// The terminal side of the timeline: what the command-line tool asks the terminal (how
// wide it is, whether it wants colour) and how coloured text is laid out and written
// (cells, wrapping, ANSI escape runs). The asking is kept apart from the drawing, so
// TerminalTimeline stays a pure function of the log, testable without a terminal.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension TerminalTimeline {
    /// Columns of the terminal on standard output; else $COLUMNS; else 100 (a pipe or a
    /// file has no width, and 100 reads well in most editors).
    public static func terminalWidth() -> Int {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        if let text = getenv("COLUMNS"), let columns = Int(String(cString: text)), columns > 0 {
            return columns
        }
        #endif
        return 100
    }

    /// Colour only for a terminal that can show it: standard output is a terminal, the
    /// user did not set NO_COLOR (https://no-color.org), and TERM is not "dumb".
    public static func colorWanted() -> Bool {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        guard isatty(STDOUT_FILENO) == 1, getenv("NO_COLOR") == nil else { return false }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return false }
        return true
        #else
        return false
        #endif
    }
}

extension TerminalTimeline {
    /// One character cell and the colour it is drawn in (nil: the terminal's own).
    struct Cell: Equatable {
        var char: Character
        var color: Int? = nil
        var bold = false
        init(_ char: Character, color: Int? = nil, bold: Bool = false) {
            self.char = char
            self.color = color
            self.bold = bold
        }
    }

    typealias Line = [Cell]

    func text(_ string: String) -> Line { string.map { Cell($0) } }

    func words(_ string: String) -> [Line] { string.split(separator: " ").map { text(String($0)) } }

    /// Items after a prefix, `separator` spaces apart, wrapped at `width` under the first item.
    func wrap(prefix: String, _ items: [Line], separator gap: Int = 2) -> [Line] {
        let indent = prefix.count + 1
        var lines: [Line] = []
        var current = text(prefix + " ")
        var empty = true
        for item in items {
            let item = item.count > width - indent ? Array(item.prefix(width - indent - 1)) + [Cell("…")] : item
            let separator = empty ? 0 : gap
            if !empty && current.count + separator + item.count > width {
                lines.append(current)
                current = Line(repeating: Cell(" "), count: indent) + item
            } else {
                current += Line(repeating: Cell(" "), count: separator) + item
            }
            empty = false
        }
        return lines + [current]
    }

    /// The line as text: cut to `width`, trailing blanks dropped, colours as ANSI runs.
    func draw(_ line: Line) -> String {
        var cells = line.count > width ? line.prefix(width - 1) + [Cell("…")] : line[...]
        while let last = cells.last, last.char == " ", last.color == nil { cells.removeLast() }
        var output = ""
        var current: (Int?, Bool) = (nil, false)
        for cell in cells {
            if color, cell.color != current.0 || cell.bold != current.1 {
                if current.0 != nil || current.1 { output += "\u{1B}[0m" }
                if let code = cell.color { output += "\u{1B}[\(cell.bold ? "1;" : "")38;5;\(code)m" }
                else if cell.bold { output += "\u{1B}[1m" }
                current = (cell.color, cell.bold)
            }
            output.append(cell.char)
        }
        if current.0 != nil || current.1 { output += "\u{1B}[0m" }
        return output
    }
}
