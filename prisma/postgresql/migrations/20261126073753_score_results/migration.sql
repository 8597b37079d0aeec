-- CreateTable
CREATE TABLE "score_results" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "scorer" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "fixture" BOOLEAN NOT NULL DEFAULT false,
    "score" DOUBLE PRECISION NOT NULL,
    "ciLow" DOUBLE PRECISION,
    "ciHigh" DOUBLE PRECISION,
    "report" TEXT NOT NULL,
    "jobId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "score_results_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "score_results_jobId_key" ON "score_results"("jobId");

-- CreateIndex
CREATE INDEX "score_results_runId_scorer_idx" ON "score_results"("runId", "scorer");

-- AddForeignKey
ALTER TABLE "score_results" ADD CONSTRAINT "score_results_runId_fkey" FOREIGN KEY ("runId") REFERENCES "generation_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
