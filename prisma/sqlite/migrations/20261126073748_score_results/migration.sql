-- CreateTable
CREATE TABLE "score_results" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "scorer" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "fixture" BOOLEAN NOT NULL DEFAULT false,
    "score" REAL NOT NULL,
    "ciLow" REAL,
    "ciHigh" REAL,
    "report" TEXT NOT NULL,
    "jobId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "score_results_runId_fkey" FOREIGN KEY ("runId") REFERENCES "generation_runs" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "score_results_jobId_key" ON "score_results"("jobId");

-- CreateIndex
CREATE INDEX "score_results_runId_scorer_idx" ON "score_results"("runId", "scorer");
