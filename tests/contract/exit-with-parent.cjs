// Preloaded into Prism's node process by tests/tests/it/contract/prism.rs (`node --require`).
// The test holds the write end of Prism's stdin for as long as it runs. However the test
// process ends (its guard's Drop, a panic, Ctrl-C, SIGKILL), that pipe closes, stdin ends,
// and Prism exits with it instead of lingering on its port.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
