// SPDX-License-Identifier: MIT
/*
 * tests/unit/limit/test_redis.c: the Redis backend of the token buckets (limit/redis.c,
 * chosen by limit_backend_configure()). The group starts Debian's redis-server on a free
 * 127.0.0.1 port (no persistence) and stops it at the end. Checks the strict URL parser,
 * burst then refusal with Retry-After, refill with Redis's clock, two struct limit sharing
 * one bucket, and a killed Redis: closed refuses, open allows, errors are counted, nothing
 * crashes, and a Redis started again is used again. Every wait is bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "limit/limit.h"
#include "limit/limit_internal.h"
#include "test_util.h"

#define REDIS_BIN "/usr/bin/redis-server"

static unsigned redis_port;
static pid_t redis_pid = -1;

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Does a PING on 127.0.0.1:port get +PONG within 200 ms? */
static bool ping(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    struct timeval tv = {0, 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char got[16] = {0};
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && write(fd, "PING\r\n", 6) == 6 &&
              read(fd, got, sizeof(got) - 1) >= 5 && memcmp(got, "+PONG", 5) == 0;
    close(fd);
    return ok;
}

/* Start redis-server on redis_port and wait (at most 5 s) until it answers PING. */
static bool redis_start(void)
{
    char port[16];
    snprintf(port, sizeof(port), "%u", redis_port);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        execl(REDIS_BIN, REDIS_BIN, "--port", port, "--bind", "127.0.0.1", "--save", "",
              "--appendonly", "no", "--dir", "/tmp", (char *)NULL);
        _exit(127);
    }
    redis_pid = pid;
    for (int i = 0; i < 100; i++) {
        if (ping(redis_port))
            return true;
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            redis_pid = -1;
            return false;
        }
        sleep_ms(50);
    }
    return false;
}

static void redis_kill(void)
{
    if (redis_pid > 0) {
        kill(redis_pid, SIGKILL);
        waitpid(redis_pid, NULL, 0);
        redis_pid = -1;
    }
}

static int group_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN); /* as main() does: a write to a killed Redis must not kill us */
    if (access(REDIS_BIN, X_OK) != 0) {
        fprintf(stderr, "test_redis: %s missing (scripts/setup.sh installs it)\n", REDIS_BIN);
        return -1;
    }
    redis_port = tu_free_port();
    return redis_port && redis_start() ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    redis_kill();
    return 0;
}

static struct limit *make(double rate, double burst, const char *on_error)
{
    struct config cfg = config_default();
    snprintf(cfg.limit_backend, sizeof(cfg.limit_backend), "redis");
    snprintf(cfg.redis_url, sizeof(cfg.redis_url), "redis://127.0.0.1:%u/0", redis_port);
    snprintf(cfg.limit_on_redis_error, sizeof(cfg.limit_on_redis_error), "%s", on_error);
    struct limit *l = NULL;
    assert_int_equal(limit_create(rate, burst, 1000, &l), AG_OK);
    assert_int_equal(limit_backend_configure(l, &cfg, 4), AG_OK);
    return l;
}

/* ---- URL ------------------------------------------------------------------------------ */

static void test_url_parse(void **state)
{
    (void)state;
    struct limit_redis_params p;
    char why[128];
    assert_int_equal(limit_redis_parse_url("redis://127.0.0.1:6380/3", &p, why, sizeof(why)),
                     AG_OK);
    assert_string_equal(p.host, "127.0.0.1");
    assert_int_equal(p.port, 6380);
    assert_int_equal(p.db, 3);
    assert_int_equal(limit_redis_parse_url("redis://cache.internal", &p, why, sizeof(why)), AG_OK);
    assert_string_equal(p.host, "cache.internal");
    assert_int_equal(p.port, 6379);
    assert_int_equal(p.db, 0);
    assert_int_equal(limit_redis_parse_url("redis://[::1]:7000/", &p, why, sizeof(why)), AG_OK);
    assert_string_equal(p.host, "::1");
    assert_int_equal(p.port, 7000);
    const char *bad[] = {"",
                         "http://127.0.0.1",
                         "redis://",
                         "redis://:6379",
                         "redis://h:0",
                         "redis://h:65536",
                         "redis://h:123456",
                         "redis://h:",
                         "redis://h/16",
                         "redis://h/0x",
                         "redis://user:pw@h",
                         "redis://h:6379/0?x=1",
                         "redis://h#f",
                         "redis://[::1",
                         "redis://[::g]",
                         "redis://h h",
                         "redis://h:-1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        if (limit_redis_parse_url(bad[i], &p, why, sizeof(why)) != AG_EINVAL)
            fail_msg("accepted %s", bad[i]);
        assert_true(why[0] != '\0');
    }
    /* a malformed URL stops the configuration */
    struct config cfg = config_default();
    snprintf(cfg.limit_backend, sizeof(cfg.limit_backend), "redis");
    snprintf(cfg.redis_url, sizeof(cfg.redis_url), "redis://h:99999");
    struct limit *l = NULL;
    assert_int_equal(limit_create(1, 1, 10, &l), AG_OK);
    assert_int_equal(limit_backend_configure(l, &cfg, 4), AG_ECONFIG);
    limit_destroy(l);
}

/* ---- buckets on Redis ----------------------------------------------------------------- */

static void test_burst_then_refused(void **state)
{
    (void)state;
    struct limit *l = make(0.5, 3, "closed");
    struct limit_verdict v;
    for (uint32_t i = 0; i < 3; i++) {
        assert_true(limit_take_for(l, "t1", "burst", 0, &v));
        assert_false(v.backend_error);
        assert_int_equal(v.limit, 3);
        assert_int_equal(v.remaining, 2 - i);
    }
    assert_false(limit_take_for(l, "t1", "burst", 0, &v));
    assert_false(v.backend_error);
    assert_int_equal(v.remaining, 0);
    assert_in_range(v.retry_after_s, 1, 2); /* one token at 0.5/s: at most 2 s */
    assert_in_range(v.reset_s, 5, 6);       /* three tokens: 6 s */
    /* another key and another tenant have their own buckets */
    assert_true(limit_take_for(l, "t1", "other", 0, &v));
    assert_true(limit_take_for(l, "t2", "burst", 0, &v));
    /* limit_take() (no tenant) goes to Redis as well */
    uint32_t ra = 0;
    assert_true(limit_take(l, "plain", 0, &ra));
    assert_int_equal(limit_backend_errors(l), 0);
    limit_destroy(l);
}

static void test_refill_over_time(void **state)
{
    (void)state;
    struct limit *l = make(20, 2, "closed"); /* a token every 50 ms */
    struct limit_verdict v;
    assert_true(limit_take_for(l, "t1", "refill", 0, &v));
    assert_true(limit_take_for(l, "t1", "refill", 0, &v));
    assert_false(limit_take_for(l, "t1", "refill", 0, &v));
    assert_int_equal(v.retry_after_s, 1);
    sleep_ms(120); /* two tokens' worth at least, with slack */
    assert_true(limit_take_for(l, "t1", "refill", 0, &v));
    limit_destroy(l);
}

static void test_two_instances_share_one_bucket(void **state)
{
    (void)state;
    struct limit *a = make(0.1, 4, "closed"), *b = make(0.1, 4, "closed");
    struct limit_verdict v;
    int allowed = 0;
    for (int i = 0; i < 10; i++) /* alternate: 4 tokens in all, not 4 each */
        allowed += limit_take_for(i % 2 ? a : b, "t1", "shared", 0, &v);
    assert_int_equal(allowed, 4);
    assert_false(limit_take_for(a, "t1", "shared", 0, &v));
    assert_false(limit_take_for(b, "t1", "shared", 0, &v));
    limit_destroy(a);
    limit_destroy(b);
}

static void test_redis_down_then_back(void **state)
{
    (void)state;
    struct limit *closed = make(100, 100, "closed"), *open = make(100, 100, "open");
    struct limit_verdict v;
    assert_true(limit_take_for(closed, "t1", "down", 0, &v)); /* connected while up */
    assert_true(limit_take_for(open, "t1", "down", 0, &v));
    redis_kill();
    for (int i = 0; i < 20; i++) {
        assert_false(limit_take_for(closed, "t1", "down", 0, &v));
        assert_true(v.backend_error);
        assert_int_equal(v.retry_after_s, 1);
        assert_int_equal(v.limit, 0); /* nothing is known of the bucket */
        assert_true(limit_take_for(open, "t1", "down", 0, &v));
        assert_true(v.backend_error);
    }
    assert_int_equal(limit_backend_errors(closed), 20);
    assert_int_equal(limit_backend_errors(open), 20);
    /* Redis again on the same port: used again once the back-off (2 s at most) passes */
    assert_true(redis_start());
    bool back = false;
    for (int i = 0; i < 60 && !back; i++) {
        back = limit_take_for(closed, "t1", "down", 0, &v) && !v.backend_error;
        if (!back)
            sleep_ms(100);
    }
    assert_true(back);
    assert_true(limit_take_for(open, "t1", "down", 0, &v) || !v.backend_error);
    limit_destroy(closed);
    limit_destroy(open);
}

/* ---- several buckets in one script call ---------------------------------------------- */

static void test_all_or_none_on_redis(void **state)
{
    (void)state;
    struct limit *l = make(0.001, 5, "closed");
    assert_int_equal(limit_kind_configure(l, LIMIT_SUBJECT, 0.001, 2), AG_OK);
    assert_int_equal(limit_kind_configure(l, LIMIT_IP, 0.001, 4), AG_OK);
    struct limit_verdict v;
    struct limit_names alice = {"t1", {"k-aon", "alice", "198.51.100.1"}};
    assert_true(limit_take_all(l, &alice, 0, true, &v));
    assert_int_equal(v.kind, LIMIT_SUBJECT);
    assert_int_equal(v.remaining, 1);
    assert_true(limit_take_all(l, &alice, 0, true, &v));
    for (int i = 0; i < 4; i++) { /* the subject refuses; nothing is taken from the rest */
        assert_false(limit_take_all(l, &alice, 0, true, &v));
        assert_false(v.backend_error);
        assert_int_equal(v.kind, LIMIT_SUBJECT);
        assert_int_equal(v.limit, 2);
        assert_true(v.retry_after_s >= 1);
    }
    /* the address bucket had 4 and gave 2: two more subjects pass, then it refuses */
    struct limit_names bob = {"t1", {"k-aon", "bob", "198.51.100.1"}};
    assert_true(limit_take_all(l, &bob, 0, true, &v));
    assert_int_equal(v.remaining, 1); /* subject and address both have 1 left */
    assert_true(limit_take_all(l, &bob, 0, true, &v));
    struct limit_names carol = {"t1", {"k-aon", "carol", "198.51.100.1"}};
    assert_false(limit_take_all(l, &carol, 0, true, &v));
    assert_int_equal(v.kind, LIMIT_IP);
    /* the key gave 4 of 5: one more from another address */
    struct limit_names dave = {"t1", {"k-aon", "dave", "198.51.100.2"}};
    assert_true(limit_take_all(l, &dave, 0, true, &v));
    assert_false(limit_take_all(l, &dave, 0, true, &v));
    assert_int_equal(v.kind, LIMIT_KEY);
    /* looking (no charge) changes nothing; the same key of another tenant is its own */
    struct limit_names ip_only = {NULL, {NULL, NULL, "198.51.100.3"}};
    for (int i = 0; i < 10; i++)
        assert_true(limit_ip_admit(l, "198.51.100.3", 0, &v));
    for (int i = 0; i < 4; i++)
        assert_true(limit_take_all(l, &ip_only, 0, true, &v));
    assert_false(limit_ip_admit(l, "198.51.100.3", 0, &v));
    struct limit_names other = {"t2", {"k-aon", "alice", "198.51.100.4"}};
    assert_true(limit_take_all(l, &other, 0, true, &v));
    assert_int_equal(limit_backend_errors(l), 0);
    limit_destroy(l);
}

/* ---- threads: the script is atomic, so N threads together take at most burst ---------- */

struct taker {
    struct limit *l;
    int allowed;
};

static void *take_many(void *arg)
{
    struct taker *t = arg;
    struct limit_verdict v;
    for (int i = 0; i < 50; i++)
        t->allowed += limit_take_for(t->l, "t1", "threads", 0, &v) && !v.backend_error;
    return NULL;
}

static void test_many_threads_never_exceed_burst(void **state)
{
    (void)state;
    struct limit *l = make(0.001, 30, "closed"), *m = make(0.001, 30, "closed");
    struct taker tk[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        tk[i] = (struct taker){i % 2 ? l : m, 0};
        assert_int_equal(pthread_create(&th[i], NULL, take_many, &tk[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        total += tk[i].allowed;
    }
    assert_int_equal(total, 30);
    limit_destroy(l);
    limit_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_parse),
        cmocka_unit_test(test_burst_then_refused),
        cmocka_unit_test(test_refill_over_time),
        cmocka_unit_test(test_two_instances_share_one_bucket),
        cmocka_unit_test(test_all_or_none_on_redis),
        cmocka_unit_test(test_many_threads_never_exceed_burst),
        cmocka_unit_test(test_redis_down_then_back), /* last: it restarts Redis */
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
