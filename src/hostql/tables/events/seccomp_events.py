"""seccomp_events: seccomp filter decisions that were logged (SECCOMP records), from audit."""

# As osquery's SeccompEventSubscriber: the SECCOMP record's fields, numbers 0 when absent,
# arch as its name (or "N(unknown)"), syscall by name on x86_64 (its number elsewhere), and
# code as the seccomp action. hostql decodes comm and exe (osquery keeps the quotes, and
# hex-encoded names stay hex) and names the action from its action bits only (osquery
# shows "N(unknown)" for ERRNO and TRACE codes that carry data).

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from hostql.events.audit_records import AuditEvent, decode_value, parse_int
from hostql.events.publishers.audit import AuditSubscriber
from hostql.host.audit_netlink import AUDIT_ARCH_X86_64
from hostql.schema import BIGINT, LINUX, TEXT, UNSIGNED_BIGINT, Column, Row, table
from hostql.sql.context import QueryContext

ACTIONS = {
    0x80000000: "KILL_PROCESS",
    0x00000000: "KILL_THREAD",
    0x00030000: "TRAP",
    0x00050000: "ERRNO",
    0x7FC00000: "USER_NOTIF",
    0x7FF00000: "TRACE",
    0x7FFC0000: "LOG",
    0x7FFF0000: "ALLOW",
}
ACTION_MASK = 0xFFFF0000
ARCHES = {
    0xC000003E: "X86_64", 0xC00000B7: "AARCH64", 0x40000003: "I386", 0x40000028: "ARM",
    0x00000028: "ARMEB", 0x00000016: "S390", 0x80000016: "S390X",
    0x00000014: "PPC", 0x80000015: "PPC64", 0xC0000015: "PPC64LE", 0x40000008: "MIPSEL",
    0x00000008: "MIPS", 0x80000008: "MIPS64", 0xC0000008: "MIPSEL64", 0xC0009026: "ALPHA",
    0xC0000032: "IA64", 0x0000000F: "PARISC", 0x8000000F: "PARISC64", 0xC00000F3: "RISCV64",
    0x400000F3: "RISCV32", 0x00000002: "SPARC", 0x8000002B: "SPARC64",
}  # fmt: skip
NUMBER_FIELDS = ("auid", "uid", "gid", "ses", "pid", "sig", "compat")
_X86_64_LOW = (
    "read write open close stat fstat lstat poll lseek mmap mprotect munmap brk rt_sigaction "
    "rt_sigprocmask rt_sigreturn ioctl pread64 pwrite64 readv writev access pipe select "
    "sched_yield "
    "mremap msync mincore madvise shmget shmat shmctl dup dup2 pause nanosleep getitimer alarm "
    "setitimer getpid sendfile socket connect accept sendto recvfrom sendmsg recvmsg shutdown "
    "bind listen getsockname getpeername socketpair setsockopt getsockopt clone fork vfork execve "
    "exit wait4 kill uname semget semop semctl shmdt msgget msgsnd msgrcv msgctl fcntl flock "
    "fsync fdatasync truncate ftruncate getdents getcwd chdir fchdir rename mkdir rmdir creat "
    "link unlink symlink readlink chmod fchmod chown fchown lchown umask gettimeofday getrlimit "
    "getrusage sysinfo times ptrace getuid syslog getgid setuid setgid geteuid getegid setpgid "
    "getppid getpgrp setsid setreuid setregid getgroups setgroups setresuid getresuid setresgid "
    "getresgid getpgid setfsuid setfsgid getsid capget capset rt_sigpending rt_sigtimedwait "
    "rt_sigqueueinfo rt_sigsuspend sigaltstack utime mknod uselib personality ustat statfs "
    "fstatfs sysfs getpriority setpriority sched_setparam sched_getparam sched_setscheduler "
    "sched_getscheduler sched_get_priority_max sched_get_priority_min sched_rr_get_interval mlock "
    "munlock mlockall munlockall vhangup modify_ldt pivot_root _sysctl prctl arch_prctl adjtimex "
    "setrlimit chroot sync acct settimeofday mount umount2 swapon swapoff reboot sethostname "
    "setdomainname iopl ioperm create_module init_module delete_module get_kernel_syms "
    "query_module quotactl nfsservctl getpmsg putpmsg afs_syscall tuxcall security gettid "
    "readahead setxattr lsetxattr fsetxattr getxattr lgetxattr fgetxattr listxattr llistxattr "
    "flistxattr removexattr lremovexattr fremovexattr tkill time futex sched_setaffinity "
    "sched_getaffinity set_thread_area io_setup io_destroy io_getevents io_submit io_cancel "
    "get_thread_area lookup_dcookie epoll_create epoll_ctl_old epoll_wait_old remap_file_pages "
    "getdents64 set_tid_address restart_syscall semtimedop fadvise64 timer_create timer_settime "
    "timer_gettime timer_getoverrun timer_delete clock_settime clock_gettime clock_getres "
    "clock_nanosleep exit_group epoll_wait epoll_ctl tgkill utimes vserver mbind set_mempolicy "
    "get_mempolicy mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr "
    "kexec_load waitid add_key request_key keyctl ioprio_set ioprio_get inotify_init "
    "inotify_add_watch inotify_rm_watch migrate_pages openat mkdirat mknodat fchownat futimesat "
    "newfstatat unlinkat renameat linkat symlinkat readlinkat fchmodat faccessat pselect6 ppoll "
    "unshare set_robust_list get_robust_list splice tee sync_file_range vmsplice move_pages "
    "utimensat epoll_pwait signalfd timerfd_create eventfd fallocate timerfd_settime "
    "timerfd_gettime accept4 signalfd4 eventfd2 epoll_create1 dup3 pipe2 inotify_init1 preadv "
    "pwritev rt_tgsigqueueinfo perf_event_open recvmmsg fanotify_init fanotify_mark prlimit64 "
    "name_to_handle_at open_by_handle_at clock_adjtime syncfs sendmmsg setns getcpu "
    "process_vm_readv process_vm_writev kcmp finit_module sched_setattr sched_getattr renameat2 "
    "seccomp getrandom memfd_create kexec_file_load bpf execveat userfaultfd membarrier mlock2 "
    "copy_file_range preadv2 pwritev2 pkey_mprotect pkey_alloc pkey_free statx io_pgetevents rseq "
)
_X86_64_HIGH = (
    "424:pidfd_send_signal 425:io_uring_setup 426:io_uring_enter 427:io_uring_register "
    "428:open_tree 429:move_mount 430:fsopen 431:fsconfig 432:fsmount 433:fspick 434:pidfd_open "
    "435:clone3 436:close_range 437:openat2 438:pidfd_getfd 439:faccessat2 440:process_madvise "
    "441:epoll_pwait2 442:mount_setattr 443:quotactl_fd 444:landlock_create_ruleset "
    "445:landlock_add_rule 446:landlock_restrict_self 447:memfd_secret 448:process_mrelease "
    "449:futex_waitv 450:set_mempolicy_home_node "
)
X86_64_SYSCALLS = dict(enumerate(_X86_64_LOW.split()))
X86_64_SYSCALLS |= {int(n): name for n, name in (p.split(":") for p in _X86_64_HIGH.split())}


@table(
    "seccomp_events",
    "A virtual table that tracks seccomp events.",
    platforms=(LINUX,),
    evented=True,
    examples=("select pid, comm, syscall, code from seccomp_events",),
    columns=[
        Column("time", BIGINT, "Time of execution in UNIX time", additional=True),
        Column("uptime", BIGINT, "Time of execution in system uptime"),
        Column(
            "auid",
            UNSIGNED_BIGINT,
            "Audit user ID (loginuid) of the user who started the analyzed process",
        ),
        Column("uid", UNSIGNED_BIGINT, "User ID of the user who started the analyzed process"),
        Column("gid", UNSIGNED_BIGINT, "Group ID of the user who started the analyzed process"),
        Column(
            "ses",
            UNSIGNED_BIGINT,
            "Session ID of the session from which the analyzed process was invoked",
        ),
        Column("pid", UNSIGNED_BIGINT, "Process ID"),
        Column(
            "comm",
            TEXT,
            "Command-line name of the command that was used to invoke the analyzed process",
        ),
        Column(
            "exe",
            TEXT,
            "The path to the executable that was used to invoke the analyzed process",
        ),
        Column("sig", BIGINT, "Signal value sent to process by seccomp"),
        Column("arch", TEXT, "Information about the CPU architecture"),
        Column("syscall", TEXT, "Type of the system call"),
        Column("compat", BIGINT, "Is system call in compatibility mode"),
        Column("ip", TEXT, "Instruction pointer value"),
        Column("code", TEXT, "The seccomp action"),
    ],
)
def seccomp_events(ctx: QueryContext) -> Iterator[Row]:
    """The buffered rows of the seccomp_events subscriber."""
    from hostql.events.tables import event_rows

    yield from event_rows(ctx, "seccomp_events")


def seccomp_row(fields: dict[str, str], uptime: int) -> Row:
    """The row of one SECCOMP record's fields."""
    row: Row = {name: parse_int(fields.get(name)) or 0 for name in NUMBER_FIELDS}
    arch = parse_int(fields.get("arch"), 16) or 0
    syscall = parse_int(fields.get("syscall")) or 0
    code = parse_int(fields.get("code", "").removeprefix("0x"), 16) or 0
    row["uptime"] = uptime
    row["comm"] = decode_value(fields.get("comm", ""))
    row["exe"] = decode_value(fields.get("exe", ""))
    row["ip"] = fields.get("ip", "")
    row["arch"] = ARCHES.get(arch, f"{arch}(unknown)")
    if arch == AUDIT_ARCH_X86_64:
        row["syscall"] = X86_64_SYSCALLS.get(syscall, f"{syscall}(unknown)")
    else:
        row["syscall"] = str(syscall)
    row["code"] = ACTIONS.get(code & ACTION_MASK, f"{code}(unknown)")
    return row


def seccomp_rows(events: Iterable[AuditEvent], uptime: int) -> list[Row]:
    """The seccomp_events rows of a batch of audit events."""
    return [
        seccomp_row(event.records[0].fields, uptime)
        for event in events
        if event.kind == "seccomp" and len(event.records) == 1
    ]


class SeccompEventsSubscriber(AuditSubscriber):
    """Turns the audit publisher's SECCOMP records into seccomp_events rows."""

    name = "seccomp_events"
    allow_flag = "audit_allow_seccomp_events"

    def build(self, events: Sequence[AuditEvent], uptime: int) -> list[Row]:
        """The rows of one batch."""
        return seccomp_rows(events, uptime)
