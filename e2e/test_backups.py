"""On-demand backups and point-in-time restores through boto3.

A backup is taken, the source changed and deleted, and the restored table
compared item by item with the source as it was; RestoreTableToPointInTime
gives the table as of a second in the past. Every error the operations
answer is checked by code and message. A second class kills dynago with
SIGKILL right after CreateBackup and right after RestoreTableFromBackup, and
shows both finish after the restart with nothing partial visible (the
crash test, crashtest/backup_test.go, kills in the middle of the jobs).
"""

import datetime
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from botocore.exceptions import ClientError

from dynago_process import DynagoProcess, ServerTestCase, needs_disk, wait_active

AWS = shutil.which("aws")
TASK_TIMEOUT_S = 120
TABLE_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/"


def item(i):
    return {
        "pk": {"S": "user#%04d" % i}, "sk": {"N": str(i % 5)},
        "name": {"S": "name %d" % i}, "score": {"N": "%d.25" % i}, "active": {"BOOL": i % 2 == 0},
        "tags": {"SS": ["a", "t%d" % i]}, "blob": {"B": bytes([i % 256, 0, 255])},
        "doc": {"M": {"list": {"L": [{"N": "1"}, {"S": "x"}, {"NULL": True}]}}},
    }


def canon(it):
    def norm(v):
        if isinstance(v, dict):
            return {k: (sorted(x) if k in ("SS", "NS") else bytes(x).hex() if k == "B" else norm(x)) for k, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v
    return json.dumps(norm(it), sort_keys=True)


def create_source(ddb, name):
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "name", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by_name", "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
        BillingMode="PAY_PER_REQUEST")
    wait_active(ddb, name)


def fill(ddb, name, lo, hi):
    for start in range(lo, hi, 25):
        ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": item(i)}} for i in range(start, min(hi, start + 25))]})


def scan(ddb, name):
    out, kw = [], {}
    while True:
        page = ddb.scan(TableName=name, **kw)
        out += [canon(i) for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return sorted(out)
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def wait_backup(test, ddb, arn):
    deadline = time.monotonic() + TASK_TIMEOUT_S
    while True:
        d = ddb.describe_backup(BackupArn=arn)["BackupDescription"]
        if d["BackupDetails"]["BackupStatus"] != "CREATING":
            return d
        test.assertLess(time.monotonic(), deadline, "backup still CREATING")
        time.sleep(0.05)


def wait_restored(test, ddb, name, full=None):
    """Polls a restored table until ACTIVE; while CREATING its items must be
    unreachable, and once ACTIVE (if full is given) they must all be there."""
    deadline = time.monotonic() + TASK_TIMEOUT_S
    while True:
        t = ddb.describe_table(TableName=name)["Table"]
        if t["TableStatus"] == "ACTIVE":
            # RestoreSummary is described only while CREATING (DDB-TABLE-216).
            test.assertNotIn("RestoreSummary", t)
            if full is not None:
                test.assertEqual(scan(ddb, name), full)
            return t
        test.assertEqual(t["TableStatus"], "CREATING")
        test.assertTrue(t["RestoreSummary"]["RestoreInProgress"])
        try:
            ddb.scan(TableName=name, Limit=1)
            # The restore may have ended since describe_table: then the
            # table is ACTIVE now.
            test.assertEqual(ddb.describe_table(TableName=name)["Table"]["TableStatus"], "ACTIVE")
            continue
        except ClientError as e:
            test.assertEqual(e.response["Error"]["Code"], "ResourceNotFoundException")
        test.assertLess(time.monotonic(), deadline, "table still CREATING")
        time.sleep(0.05)


class Backups(ServerTestCase, unittest.TestCase):

    def setUp(self):
        self.ddb = self.server.client()

    def error(self, fn, code, message=None, **kw):
        with self.assertRaises(ClientError) as cm:
            fn(**kw)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], code, err)
        if message is not None:
            self.assertEqual(err["Message"], message)

    def test_backup_restore_round_trip(self):
        ddb = self.ddb
        create_source(ddb, "e2e_bk")
        fill(ddb, "e2e_bk", 0, 400)
        want = scan(ddb, "e2e_bk")
        bd = ddb.create_backup(TableName="e2e_bk", BackupName="nightly")["BackupDetails"]
        arn = bd["BackupArn"]
        self.assertTrue(arn.startswith(TABLE_ARN + "e2e_bk/backup/"), arn)
        self.assertEqual((bd["BackupName"], bd["BackupType"]), ("nightly", "USER"))
        d = wait_backup(self, ddb, arn)
        self.assertEqual(d["BackupDetails"]["BackupStatus"], "AVAILABLE")
        self.assertGreater(d["BackupDetails"]["BackupSizeBytes"], 0)
        self.assertEqual(d["SourceTableDetails"]["ItemCount"], 400)
        self.assertEqual(d["SourceTableDetails"]["BillingMode"], "PAY_PER_REQUEST")
        self.assertEqual([g["IndexName"] for g in d["SourceTableFeatureDetails"]["GlobalSecondaryIndexes"]], ["by_name"])

        # Changes after the backup are not in it, nor is the source's deletion.
        fill(ddb, "e2e_bk", 400, 450)
        ddb.delete_item(TableName="e2e_bk", Key={"pk": {"S": "user#0001"}, "sk": {"N": "1"}})
        ddb.delete_table(TableName="e2e_bk")

        r = ddb.restore_table_from_backup(BackupArn=arn, TargetTableName="e2e_bk_restored")["TableDescription"]
        self.assertEqual(r["TableStatus"], "CREATING")
        self.assertEqual(r["RestoreSummary"]["SourceBackupArn"], arn)
        self.assertEqual(r["RestoreSummary"]["SourceTableArn"], TABLE_ARN + "e2e_bk")
        t = wait_restored(self, ddb, "e2e_bk_restored", want)
        self.assertEqual([g["IndexName"] for g in t["GlobalSecondaryIndexes"]], ["by_name"])
        q = ddb.query(TableName="e2e_bk_restored", IndexName="by_name", KeyConditionExpression="#n = :v",
                      ExpressionAttributeNames={"#n": "name"}, ExpressionAttributeValues={":v": {"S": "name 42"}})
        self.assertEqual(q["Count"], 1)

        # Overrides.
        ddb.restore_table_from_backup(
            BackupArn=arn, TargetTableName="e2e_bk_prov", BillingModeOverride="PROVISIONED",
            ProvisionedThroughputOverride={"ReadCapacityUnits": 9, "WriteCapacityUnits": 4},
            GlobalSecondaryIndexOverride=[], SSESpecificationOverride={"Enabled": True, "SSEType": "KMS"})
        t = wait_restored(self, ddb, "e2e_bk_prov", want)
        self.assertEqual(t["ProvisionedThroughput"]["ReadCapacityUnits"], 9)
        self.assertNotIn("GlobalSecondaryIndexes", t)
        self.assertEqual(t["SSEDescription"]["Status"], "ENABLED")

        self.error(ddb.restore_table_from_backup, "TableAlreadyExistsException", "Table already exists: e2e_bk_restored",
                   BackupArn=arn, TargetTableName="e2e_bk_restored")
        missing = arn[:-8] + "00000000"
        self.error(ddb.describe_backup, "BackupNotFoundException", "Backup not found: " + missing, BackupArn=missing)
        self.error(ddb.restore_table_from_backup, "BackupNotFoundException", "Backup not found: " + missing,
                   BackupArn=missing, TargetTableName="e2e_x")
        self.error(ddb.create_backup, "TableNotFoundException", "Table not found: e2e_bk",
                   TableName="e2e_bk", BackupName="again")

        summaries = ddb.list_backups(TableName="e2e_bk")["BackupSummaries"]
        self.assertEqual([s["BackupArn"] for s in summaries], [arn])
        self.assertEqual(summaries[0]["BackupStatus"], "AVAILABLE")
        d = ddb.delete_backup(BackupArn=arn)["BackupDescription"]
        self.assertEqual(d["BackupDetails"]["BackupStatus"], "DELETED")
        self.error(ddb.describe_backup, "BackupNotFoundException", "Backup not found: " + arn, BackupArn=arn)
        self.error(ddb.delete_backup, "BackupNotFoundException", "Backup not found: " + arn, BackupArn=arn)
        self.assertEqual(ddb.list_backups(TableName="e2e_bk")["BackupSummaries"], [])

    def test_list_backups_paging(self):
        ddb = self.ddb
        create_source(ddb, "e2e_lb")
        fill(ddb, "e2e_lb", 0, 10)
        arns = []
        for i in range(3):
            arns.append(ddb.create_backup(TableName="e2e_lb", BackupName="b%02d" % i)["BackupDetails"]["BackupArn"])
            wait_backup(self, ddb, arns[-1])
            time.sleep(0.01)
        got, kw = [], {}
        while True:
            page = ddb.list_backups(TableName="e2e_lb", Limit=1, **kw)
            got += [s["BackupArn"] for s in page["BackupSummaries"]]
            if "LastEvaluatedBackupArn" not in page:
                break
            kw["ExclusiveStartBackupArn"] = page["LastEvaluatedBackupArn"]
        self.assertEqual(got, arns)
        self.assertEqual(ddb.list_backups(TableName="e2e_lb", BackupType="SYSTEM")["BackupSummaries"], [])

    def test_restore_to_point_in_time(self):
        ddb = self.ddb
        create_source(ddb, "e2e_pt")
        fill(ddb, "e2e_pt", 0, 200)
        self.error(ddb.restore_table_to_point_in_time, "PointInTimeRecoveryUnavailableException",
                   "Point in time recovery is not enabled for table 'e2e_pt'",
                   SourceTableName="e2e_pt", TargetTableName="e2e_pt_x", UseLatestRestorableTime=True)
        ddb.update_continuous_backups(TableName="e2e_pt", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        time.sleep(1)  # the first base
        fill(ddb, "e2e_pt", 200, 260)
        ddb.delete_item(TableName="e2e_pt", Key={"pk": {"S": "user#0003"}, "sk": {"N": "3"}})
        # boto3 sends RestoreDateTime in whole seconds: the point is the
        # start of the second after the writes above.
        now = time.time()
        time.sleep(int(now) + 1.05 - now)
        at = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        want = scan(ddb, "e2e_pt")
        fill(ddb, "e2e_pt", 260, 300)
        ddb.delete_item(TableName="e2e_pt", Key={"pk": {"S": "user#0004"}, "sk": {"N": "4"}})
        now = scan(ddb, "e2e_pt")
        time.sleep(3)  # LatestRestorableDateTime lags by 2 s

        d = ddb.describe_continuous_backups(TableName="e2e_pt")["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        self.assertEqual(d["PointInTimeRecoveryStatus"], "ENABLED")
        self.assertLessEqual(d["EarliestRestorableDateTime"], at)
        self.assertGreaterEqual(d["LatestRestorableDateTime"] + datetime.timedelta(seconds=1), at)

        r = ddb.restore_table_to_point_in_time(SourceTableName="e2e_pt", TargetTableName="e2e_pt_at", RestoreDateTime=at)
        self.assertEqual(r["TableDescription"]["TableStatus"], "CREATING")
        self.assertEqual(r["TableDescription"]["RestoreSummary"]["SourceTableArn"], TABLE_ARN + "e2e_pt")
        wait_restored(self, ddb, "e2e_pt_at", want)
        ddb.restore_table_to_point_in_time(SourceTableArn=TABLE_ARN + "e2e_pt", TargetTableName="e2e_pt_latest",
                                           UseLatestRestorableTime=True)
        wait_restored(self, ddb, "e2e_pt_latest", now)

        self.error(ddb.restore_table_to_point_in_time, "TableAlreadyExistsException", "Table already exists: e2e_pt_at",
                   SourceTableName="e2e_pt", TargetTableName="e2e_pt_at", UseLatestRestorableTime=True)
        self.error(ddb.restore_table_to_point_in_time, "TableNotFoundException", "Table not found: e2e_nope",
                   SourceTableName="e2e_nope", TargetTableName="e2e_pt_x", UseLatestRestorableTime=True)
        self.error(ddb.restore_table_to_point_in_time, "InvalidRestoreTimeException",
                   SourceTableName="e2e_pt", TargetTableName="e2e_pt_x",
                   RestoreDateTime=at - datetime.timedelta(days=1))

    def test_restore_deleted_table(self):
        # DeleteTable of a PITR table leaves a SYSTEM backup named
        # "<table>$DeletedTableBackup" (35 days), restored like any backup.
        ddb = self.ddb
        create_source(ddb, "e2e_del")
        fill(ddb, "e2e_del", 0, 150)
        ddb.update_continuous_backups(TableName="e2e_del", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        ddb.delete_item(TableName="e2e_del", Key={"pk": {"S": "user#0007"}, "sk": {"N": "2"}})
        want = scan(ddb, "e2e_del")
        deleted = datetime.datetime.now(datetime.timezone.utc)
        ddb.delete_table(TableName="e2e_del")
        self.assertEqual(ddb.list_backups(TableName="e2e_del")["BackupSummaries"], [])
        summaries = ddb.list_backups(TableName="e2e_del", BackupType="SYSTEM")["BackupSummaries"]
        self.assertEqual(len(summaries), 1, summaries)
        s = summaries[0]
        self.assertEqual((s["BackupName"], s["BackupType"], s["TableName"]), ("e2e_del$DeletedTableBackup", "SYSTEM", "e2e_del"))
        self.assertTrue(s["BackupArn"].startswith(TABLE_ARN + "e2e_del/backup/"), s["BackupArn"])
        self.assertLess(abs(s["BackupExpiryDateTime"] - deleted - datetime.timedelta(days=35)), datetime.timedelta(minutes=1))
        self.assertEqual(len(ddb.list_backups(TableName="e2e_del", BackupType="ALL")["BackupSummaries"]), 1)
        d = wait_backup(self, ddb, s["BackupArn"])
        self.assertEqual(d["BackupDetails"]["BackupStatus"], "AVAILABLE")
        self.assertEqual(d["SourceTableDetails"]["ItemCount"], len(want))
        self.error(ddb.restore_table_to_point_in_time, "TableNotFoundException", "Table not found: " + TABLE_ARN + "e2e_del",
                   SourceTableArn=TABLE_ARN + "e2e_del", TargetTableName="e2e_del_at", UseLatestRestorableTime=True)
        r = ddb.restore_table_from_backup(BackupArn=s["BackupArn"], TargetTableName="e2e_del")
        self.assertEqual(r["TableDescription"]["RestoreSummary"]["SourceBackupArn"], s["BackupArn"])
        wait_restored(self, ddb, "e2e_del", want)
        got = ddb.query(TableName="e2e_del", IndexName="by_name", KeyConditionExpression="#n = :n",
                        ExpressionAttributeNames={"#n": "name"}, ExpressionAttributeValues={":n": {"S": "name 9"}})
        self.assertEqual(got["Count"], 1)


class BackupsAwsCli(ServerTestCase, unittest.TestCase):
    """The AWS CLI's backup and restore commands."""

    @unittest.skipIf(AWS is None, "the aws CLI is not installed")
    def test_cli_backup_and_point_in_time_restore(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")

        def aws(*args):
            p = subprocess.run([AWS, "dynamodb", *args, "--endpoint-url", self.server.url, "--output", "json"],
                               capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60)
            self.assertEqual(p.returncode, 0, "aws dynamodb %s: %s" % (" ".join(args), p.stderr))
            return json.loads(p.stdout) if p.stdout.strip() else {}

        ddb = self.server.client()
        create_source(ddb, "cli_src")
        fill(ddb, "cli_src", 0, 60)
        aws("update-continuous-backups", "--table-name", "cli_src",
            "--point-in-time-recovery-specification", "PointInTimeRecoveryEnabled=true,RecoveryPeriodInDays=7")
        want = scan(ddb, "cli_src")
        arn = aws("create-backup", "--table-name", "cli_src", "--backup-name", "cli-backup")["BackupDetails"]["BackupArn"]
        wait_backup(self, ddb, arn)
        self.assertEqual(aws("describe-backup", "--backup-arn", arn)["BackupDescription"]["BackupDetails"]["BackupStatus"], "AVAILABLE")
        self.assertEqual([b["BackupArn"] for b in aws("list-backups", "--table-name", "cli_src")["BackupSummaries"]], [arn])
        aws("restore-table-from-backup", "--backup-arn", arn, "--target-table-name", "cli_from_backup")
        wait_restored(self, ddb, "cli_from_backup", want)

        time.sleep(3)  # past the latest restorable time
        out = aws("restore-table-to-point-in-time", "--source-table-name", "cli_src",
                  "--target-table-name", "cli_pitr", "--use-latest-restorable-time")
        self.assertEqual(out["TableDescription"]["TableStatus"], "CREATING")
        wait_restored(self, ddb, "cli_pitr", want)
        d = aws("describe-continuous-backups", "--table-name", "cli_src")
        self.assertEqual(d["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"], 7)
        self.assertEqual(aws("delete-backup", "--backup-arn", arn)["BackupDescription"]["BackupDetails"]["BackupStatus"], "DELETED")


class BackupsSurviveKill(unittest.TestCase):
    """SIGKILL right after a backup and a restore are requested."""

    @needs_disk
    def test_kill_during_backup_and_restore(self):
        with tempfile.TemporaryDirectory(prefix="dynago-e2e-bk-") as tmp:
            data = os.path.join(tmp, "data")
            server = DynagoProcess(data).start()
            try:
                ddb = server.client()
                create_source(ddb, "e2e_kill")
                fill(ddb, "e2e_kill", 0, 5000)
                want = scan(ddb, "e2e_kill")
                arn = ddb.create_backup(TableName="e2e_kill", BackupName="killed")["BackupDetails"]["BackupArn"]
                server.kill()
                server = DynagoProcess(data, port=server.port).start()
                ddb = server.client()
                d = wait_backup(self, ddb, arn)
                self.assertEqual(d["BackupDetails"]["BackupStatus"], "AVAILABLE")
                self.assertEqual(d["SourceTableDetails"]["ItemCount"], 5000)

                ddb.restore_table_from_backup(BackupArn=arn, TargetTableName="e2e_kill_restored")
                time.sleep(0.2)
                server.kill()
                server = DynagoProcess(data, port=server.port).start()
                ddb = server.client()
                wait_restored(self, ddb, "e2e_kill_restored", want)
            finally:
                server.stop()


if __name__ == "__main__":
    unittest.main()
