const COMMANDS: &[&str] = &["get_snapshot", "update"];

fn main() {
    tauri_plugin::Builder::new(COMMANDS).build();
}
