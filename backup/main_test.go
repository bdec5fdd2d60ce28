package backup

import (
	"os"
	"testing"

	"github.com/futian/ifutian/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
