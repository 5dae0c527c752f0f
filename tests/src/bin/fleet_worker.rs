//! One process of a test fleet: see `amperity_tests::fleet::worker`.

fn main() {
    amperity_tests::fleet::worker::main();
}
