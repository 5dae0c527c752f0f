//! A real `redis-server` for one test: found on `PATH` (or installed with Debian's
//! `redis-server` package when missing and running as root, as CI does), started on a free
//! loopback port without persistence, killed when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A running server; dropping it kills it.
#[derive(Debug)]
pub struct RedisServer {
    program: PathBuf,
    port: u16,
    password: Option<String>,
    child: Option<Child>,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

impl RedisServer {
    /// Starts a server, or says why it cannot: `Ok(None)` after printing the reason when
    /// `redis-server` is missing and cannot be installed here (not root). Installing as
    /// root and failing is an error, so CI never skips quietly.
    pub fn start(password: Option<&str>) -> Result<Option<Self>, String> {
        let Some(program) = program()? else {
            return Ok(None);
        };
        let mut server = Self {
            program,
            port: free_port().map_err(|e| format!("no free loopback port: {e}"))?,
            password: password.map(str::to_owned),
            child: None,
        };
        server.launch()?;
        Ok(Some(server))
    }

    /// `redis://[:password@]127.0.0.1:port`.
    pub fn url(&self) -> String {
        match &self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}", self.port),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    /// Kills the server at once (SIGKILL: no shutdown, like a crash); its data is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts an empty server again on the same port.
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill();
        self.launch()
    }

    /// Sends one command with a one-line reply (inline form) and returns the reply,
    /// authenticating first when the server has a password.
    pub fn command(&self, command: &str) -> Result<String, String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .map_err(|e| e.to_string())?;
        if let Some(password) = &self.password {
            stream
                .write_all(format!("AUTH {password}\r\n").as_bytes())
                .map_err(|e| e.to_string())?;
            let auth = read_reply(&mut stream)?;
            if !auth.starts_with("+OK") {
                return Err(format!("AUTH refused: {auth}"));
            }
        }
        stream
            .write_all(format!("{command}\r\n").as_bytes())
            .map_err(|e| e.to_string())?;
        read_reply(&mut stream)
    }

    fn launch(&mut self) -> Result<(), String> {
        let dir = std::env::temp_dir().join(format!("amperity-redis-{}", self.port));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut command = Command::new(&self.program);
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--loglevel", "warning", "--logfile", ""])
            .arg("--dir")
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(password) = &self.password {
            command.args(["--requirepass", password]);
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.program.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.command("PING") {
                Ok(reply) if reply.starts_with("+PONG") => return Ok(()),
                _ if Instant::now() > deadline => {
                    self.kill();
                    return Err(format!("redis-server on port {} did not start", self.port));
                }
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
}

/// Reads one line reply (`+PONG`, `+OK`, `-ERR ...`): all that is asked here.
fn read_reply(stream: &mut TcpStream) -> Result<String, String> {
    let mut reply = Vec::new();
    let mut chunk = [0u8; 512];
    while !reply.ends_with(b"\r\n") {
        let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `redis-server`'s path, installing it once per process when missing and root.
fn program() -> Result<Option<PathBuf>, String> {
    static FOUND: OnceLock<Result<Option<PathBuf>, String>> = OnceLock::new();
    static INSTALLING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = INSTALLING.lock().unwrap_or_else(|e| e.into_inner());
    FOUND.get_or_init(find_or_install).clone()
}

fn find_or_install() -> Result<Option<PathBuf>, String> {
    if let Some(found) = find() {
        return Ok(Some(found));
    }
    if !is_root() {
        eprintln!(
            "skipping: redis-server is not installed and this user is not root, so the \
             test cannot install it (apt-get install redis-server, or put it on PATH)"
        );
        return Ok(None);
    }
    eprintln!("redis-server is missing: installing Debian's redis-server package");
    let install = || {
        Command::new("apt-get")
            .args([
                "install",
                "-y",
                "-q",
                "--no-install-recommends",
                "redis-server",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
    };
    let mut output = install().map_err(|e| format!("apt-get: {e}"))?;
    if !output.status.success() {
        // A fresh machine may have no package lists yet.
        let _ = Command::new("apt-get").args(["update", "-q"]).output();
        output = install().map_err(|e| format!("apt-get: {e}"))?;
    }
    match find() {
        Some(found) if output.status.success() => Ok(Some(found)),
        _ => Err(format!(
            "apt-get install redis-server failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )),
    }
}

fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([
            "/usr/bin".into(),
            "/usr/sbin".into(),
            "/usr/local/bin".into(),
        ])
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether this process runs as root (read from /proc: no `libc` needed).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}
