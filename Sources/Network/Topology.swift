// A topology file (JSON): the machines, their harts, options and programs, the links and
// the faults, for runs the command line cannot say in a line. Parsed into a
// ClusterConfiguration; every bad field is refused with its path named.
//
// Part D (command line, statistics, trace) owns this file.
