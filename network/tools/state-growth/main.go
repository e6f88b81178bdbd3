// Command state-growth replays the state-database work of data:RegisterBatch on Fabric's own LevelDB
// library, with the options Fabric opens it with (goleveldb, no bloom filter), so the cost of each part
// can be watched as the ledger grows: per 1000-item transaction, the absent-key reads that simulation
// (GetStateMultiple) and MVCC validation do for every item's dataId and content digest, and the
// state and history writes of the commit. Flags choose the key layout and a bloom filter.
//
//	go run . -items 500000                 # today's layout: 5 state keys per item
//	go run . -items 500000 -lean           # record + digest only
//	go run . -items 500000 -bloom          # with a 10-bit bloom filter on both databases
package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"
)

const batch = 1000

// threadCPU is the CPU time (user + system) of the calling OS thread: the reads run on a locked thread,
// so their cost is measured apart from LevelDB's background compaction and from other processes on a
// shared machine, whose load inflates wall-clock times.
func threadCPU() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &usage); err != nil {
		panic(err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

// stateKey is Fabric's LevelDB state key of a chaincode composite key: 'd' ns 0x00, then the key.
func stateKey(objectType string, attrs ...string) []byte {
	k := []byte("dkiseki\x00\x00" + objectType + "\x00")
	for _, a := range attrs {
		k = append(k, a...)
		k = append(k, 0)
	}
	return k
}

func main() {
	items := flag.Int("items", 500000, "items to register")
	segment := flag.Int("segment", 100000, "items per reported segment")
	lean := flag.Bool("lean", false, "write only the record and the digest key (no list markers)")
	bloom := flag.Bool("bloom", false, "open both databases with a 10-bit bloom filter")
	cacheMiB := flag.Int("cache-mb", 0, "block cache of each database in MiB (0: goleveldb's default, 8 MiB)")
	validators := flag.Int("readers", 2, "how many times each key is read per transaction (endorsement + validation)")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "kiseki-state-growth"), "scratch directory (emptied)")
	profile := flag.String("probe-profile", "", "instead of registering: open the databases left in -dir, time 20 transactions' absent-key reads and write a CPU profile here")
	flag.Parse()
	runtime.LockOSThread()

	if *profile != "" {
		probe(*dir, *bloom, *profile)
		return
	}
	if err := os.RemoveAll(*dir); err != nil {
		panic(err)
	}
	options := &opt.Options{}
	if *bloom {
		options.Filter = filter.NewBloomFilter(10)
	}
	if *cacheMiB > 0 {
		options.BlockCacheCapacity = *cacheMiB * opt.MiB
	}
	state, err := leveldb.OpenFile(filepath.Join(*dir, "state"), options)
	if err != nil {
		panic(err)
	}
	history, err := leveldb.OpenFile(filepath.Join(*dir, "history"), options)
	if err != nil {
		panic(err)
	}
	defer state.Close()
	defer history.Close()

	record := make([]byte, 330) // a DataRecord with Fabric's version header, about this size
	digestRecord := make([]byte, 200)
	marker := []byte{0}
	sync := &opt.WriteOptions{Sync: true}
	fmt.Printf("layout: %s; bloom filter: %v; block cache: %d MiB (0: default); each key read %d× per transaction\n", map[bool]string{false: "5 keys per item", true: "2 keys per item"}[*lean], *bloom, *cacheMiB, *validators)
	fmt.Printf("%10s %10s %16s %18s %22s %16s\n", "items", "items/s", "id reads ms/tx", "digest reads ms/tx", "digest reads CPU ms/tx", "writes ms/tx")

	var idReads, digestReads, digestCPU, writes time.Duration
	segmentStart := time.Now()
	for b := 0; b*batch < *items; b++ {
		ids := make([]string, batch)
		digests := make([]string, batch)
		for k := range ids {
			ids[k] = fmt.Sprintf("bench-d%07d", b*batch+k)
			sum := sha256.Sum256([]byte(ids[k]))
			digests[k] = hex.EncodeToString(sum[:])
		}
		for r := 0; r < *validators; r++ {
			t0 := time.Now()
			for _, id := range ids {
				if _, err := state.Get(stateKey("data", id), nil); err != leveldb.ErrNotFound {
					panic(fmt.Sprintf("expected an absent key: %v", err))
				}
			}
			t1 := time.Now()
			c1 := threadCPU()
			for _, digest := range digests {
				if _, err := state.Get(stateKey("dataDigest", digest), nil); err != leveldb.ErrNotFound {
					panic(fmt.Sprintf("expected an absent key: %v", err))
				}
			}
			digestCPU += threadCPU() - c1
			idReads += t1.Sub(t0)
			digestReads += time.Since(t1)
		}

		t0 := time.Now()
		stateBatch, historyBatch := new(leveldb.Batch), new(leveldb.Batch)
		put := func(key, value []byte) {
			stateBatch.Put(key, value)
			// History index entry: the key, then the block and transaction numbers.
			var position [16]byte
			binary.BigEndian.PutUint64(position[:8], uint64(b))
			historyBatch.Put(append(append([]byte{}, key...), position[:]...), nil)
		}
		for k, id := range ids {
			put(stateKey("data", id), record)
			put(stateKey("dataDigest", digests[k]), digestRecord)
			if !*lean {
				put(stateKey("dataByProvider", fmt.Sprintf("prov-%d", k%10), id), marker)
				put(stateKey("dataByCollector", "Studio1MSP", id), marker)
				put(stateKey("dataByTerms", "terms", id), marker)
			}
		}
		if err := state.Write(stateBatch, sync); err != nil {
			panic(err)
		}
		if err := history.Write(historyBatch, sync); err != nil {
			panic(err)
		}
		writes += time.Since(t0)

		if done := (b + 1) * batch; done%*segment == 0 {
			txs := float64(*segment / batch)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / txs }
			fmt.Printf("%10d %10.0f %16.1f %18.1f %22.1f %16.1f\n", done, float64(*segment)/time.Since(segmentStart).Seconds(), ms(idReads), ms(digestReads), ms(digestCPU), ms(writes))
			idReads, digestReads, digestCPU, writes = 0, 0, 0, 0
			segmentStart = time.Now()
		}
	}
	var stats leveldb.DBStats
	if err := state.Stats(&stats); err == nil {
		fmt.Printf("state database: tables per level %v, bytes per level %v\n", stats.LevelTablesCounts, stats.LevelSizes)
	}
}

// probe reads 20 transactions' worth of absent digest keys from an existing state database, under a
// CPU profile: where an absent-key read spends its time once the database is large.
func probe(dir string, bloom bool, profile string) {
	options := &opt.Options{ErrorIfMissing: true}
	if bloom {
		options.Filter = filter.NewBloomFilter(10)
	}
	state, err := leveldb.OpenFile(filepath.Join(dir, "state"), options)
	if err != nil {
		panic(err)
	}
	defer state.Close()
	out, err := os.Create(profile)
	if err != nil {
		panic(err)
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		panic(err)
	}
	c0 := threadCPU()
	const reads = 20 * batch
	for i := 0; i < reads; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprintf("probe-%d", i)))
		if _, err := state.Get(stateKey("dataDigest", hex.EncodeToString(sum[:])), nil); err != leveldb.ErrNotFound {
			panic(fmt.Sprintf("expected an absent key: %v", err))
		}
	}
	spent := threadCPU() - c0
	pprof.StopCPUProfile()
	fmt.Printf("%d absent-key reads: %.1f µs CPU each\n", reads, float64(spent.Microseconds())/reads)
}
